// The overview's numbers, from /v1/overview.
import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../api/client";

export interface Overview {
  channels: { active: number; paused: number; deleted: number };
  videos_today: number | null;
  videos_7d: number | null;
  spend_today_usd: string | null;
  spend_month_usd: string | null;
  monthly_budget_usd: string | null;
  success_rate: number | null;
  avg_quality: number | null;
  avg_cost_per_video_usd: string | null;
  unavailable?: string | null;
}

/** The gateway's /v1/overview in the page's terms. */
async function fromApi(channelId: string): Promise<Overview> {
  const o = await api<Schemas["Overview"]>("/v1/overview", { query: { channel_id: channelId || undefined } });
  return {
    channels: { active: o.channels_active - o.channels_paused, paused: o.channels_paused, deleted: o.channels_deleted },
    videos_today: o.videos_today,
    videos_7d: o.videos_7d,
    spend_today_usd: o.spend_today_usd,
    spend_month_usd: o.spend_month_usd,
    monthly_budget_usd: o.monthly_budget_usd,
    success_rate: o.success_rate_30d,
    avg_quality: o.average_quality_30d,
    avg_cost_per_video_usd: o.average_cost_per_video_30d,
    unavailable: o.spend_unavailable,
  };
}

export function useOverview(channelId: string) {
  return useQuery({
    queryKey: ["overview", channelId],
    queryFn: () => fromApi(channelId),
    refetchInterval: 30_000,
  });
}
