// Spend for a date range, grouped one way at a time, and its CSV export.
import { useQuery } from "@tanstack/react-query";
import { api, authHeaders, toError, withQuery, type Schemas } from "../../api/client";

export type Grouping = "day" | "provider" | "stage" | "channel" | "video";
export interface Range { since: string; until: string; channel: string }

const rangeQuery = (r: Range) => ({
  start: r.since || undefined, end: r.until || undefined, channel_id: r.channel || undefined,
});

export function useSpend(by: Grouping, range: Range) {
  return useQuery({
    queryKey: ["costs", by, range],
    queryFn: () => api<Schemas["SpendReport"]>("/v1/costs", { query: { by, limit: 1000, ...rangeQuery(range) } }),
  });
}

export function exportUrl(by: Grouping, range: Range): string {
  return withQuery("/v1/costs/export", { by, since: range.since, until: range.until, channel_id: range.channel });
}

/** Downloads the CSV through fetch, so a refusal shows its reason instead of a broken file. */
export async function downloadCsv(by: Grouping, range: Range): Promise<void> {
  const response = await fetch(exportUrl(by, range), { headers: authHeaders(), credentials: "same-origin" });
  if (!response.ok) throw await toError(response);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = `ytempire-costs-by-${by}-${range.since}-${range.until}.csv`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The month's projection from the API: each channel's pace (its schedule, else its recent
 * requests) times its cost per video, against the monthly budget. */
export function useMonthProjection() {
  return useQuery({ queryKey: ["costs", "month"], queryFn: () => api<Schemas["MonthProjection"]>("/v1/costs/month") });
}
