// Notifications (cost alerts, failing stages, growing dead letters) and their unread count.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../api/client";

export type Notice = Schemas["NoticeOut"];

export function useNotifications() {
  return useQuery({ queryKey: ["notifications", "list"], queryFn: () => api<Notice[]>("/v1/notifications", { query: { limit: 100 } }) });
}

/** Read again when the tab's live stream brings a notice (no polling). */
export function useUnreadCount() {
  return useQuery({
    queryKey: ["notifications", "unread"],
    queryFn: () => api<Schemas["UnreadCount"]>("/v1/notifications/unread-count"),
    select: (data) => data.unread,
  });
}

export function useMarkRead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number | "all") =>
      api<void>(id === "all" ? "/v1/notifications/read-all" : `/v1/notifications/${id}/read`, { method: "POST" }),
    onSuccess: () => client.invalidateQueries({ queryKey: ["notifications"] }),
  });
}

/** One sentence from the notice's data, as the gateway's notices module writes it. */
export function describe(notice: Notice): string {
  const d = notice.data as Record<string, string | number | undefined>;
  switch (notice.kind) {
    case "cost.alert":
      return `Spending passed ${d.threshold_pct ?? "?"}% of the ${d.scope ?? ""} budget ($${d.spent_usd} of $${d.budget_usd}).`;
    case "stage.failing":
      return `The ${d.stage} stage failed for ${d.failures} videos within ${Math.round(Number(d.window_s) / 60)} min: ${d.last_error}`;
    case "dlq.growing":
      return `${d.entries_last_24h} dead letters in the last 24 hours, the last from ${d.stage}: ${d.last_error}`;
    case "schedule.skipped":
      return `A scheduled slot was skipped: ${d.reason}`;
    case "video.not_uploaded":
      return `${d.title}: ${d.detail}`;
    case "video.youtube_failed":
      return d.detail as string;
    case "provider.fallback":
      return `The ${d.stage} fell back: ${((notice.data as { fallbacks?: string[] }).fallbacks ?? []).join("; ")}`;
    case "topics.source_failed":
      return `A topic source gave nothing: ${d.problem}`;
  }
}
