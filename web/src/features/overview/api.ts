// The overview's numbers: /v1/overview when the gateway has it, else composed from /v1/kpis,
// /v1/costs, /v1/channels and /v1/me so the page works against either.
import { useQuery } from "@tanstack/react-query";
import { api, ApiError, type Schemas } from "../../api/client";
import { isoDay } from "../../api/format";
import type { Channel } from "../channels/api";
import { channelStatus } from "../channels/api";

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

async function orNull<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof ApiError && error.status === 503) return null;
    throw error;
  }
}

async function composed(channelId: string): Promise<Overview> {
  const query = { channel_id: channelId || undefined };
  const today = isoDay(new Date());
  const month = `${today.slice(0, 8)}01`;
  const [channels, me, day, week, spend] = await Promise.all([
    api<Channel[]>("/v1/channels", { query: { include_deleted: true } }),
    api<Schemas["UserOut"]>("/v1/me"),
    orNull(api<Schemas["OwnerKpis"]>("/v1/kpis", { query: { days: 1, ...query } })),
    orNull(api<Schemas["OwnerKpis"]>("/v1/kpis", { query: { days: 7, ...query } })),
    orNull(api<Schemas["SpendReport"]>("/v1/costs", { query: { by: "day", start: month, ...query } })),
  ]);
  const counts = { active: 0, paused: 0, deleted: 0 };
  channels.forEach((c) => counts[channelStatus(c)]++);
  return {
    channels: counts,
    videos_today: day?.videos_requested ?? null,
    videos_7d: week?.videos_requested ?? null,
    spend_today_usd: spend ? (spend.rows.find((r) => r.key.startsWith(today))?.usd ?? "0") : null,
    spend_month_usd: spend?.total_usd ?? null,
    monthly_budget_usd: me.monthly_budget_usd,
    success_rate: week?.success_rate ?? null,
    avg_quality: null,
    avg_cost_per_video_usd: week?.avg_usd_per_video ?? null,
    unavailable: week ? null : "Analytics are not available right now; counts will return when they are.",
  };
}

export function useOverview(channelId: string) {
  return useQuery({
    queryKey: ["overview", channelId],
    queryFn: async () => {
      try {
        return await api<Overview>("/v1/overview", { query: { channel_id: channelId || undefined } });
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return composed(channelId);
        throw error;
      }
    },
    refetchInterval: 30_000,
  });
}
