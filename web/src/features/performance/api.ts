// What YouTube measured of a channel's videos over a date range, beside what they cost.
import { useQuery } from "@tanstack/react-query";
import { api, type Schemas } from "../../api/client";

export interface Range { since: string; until: string }

export function useChannelList() {
  return useQuery({ queryKey: ["channels"], queryFn: () => api<Schemas["ChannelOut"][]>("/v1/channels") });
}

export function useChannelAnalytics(channel: string, range: Range) {
  return useQuery({
    queryKey: ["performance", channel, range],
    enabled: channel !== "",
    queryFn: () => api<Schemas["ChannelAnalytics"]>(`/v1/channels/${encodeURIComponent(channel)}/analytics`,
      { query: { start: range.since, end: range.until } }),
  });
}
