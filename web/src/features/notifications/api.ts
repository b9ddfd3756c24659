// Notifications (cost alerts, failing stages, growing dead letters) and their unread count.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, type Schemas } from "../../api/client";

export type Notice = Schemas["NoticeOut"] & { read_at?: string | null };

export function useNotifications() {
  return useQuery({ queryKey: ["notifications", "list"], queryFn: () => api<Notice[]>("/v1/notifications", { query: { limit: 100 } }) });
}

/** null when the server has no unread count yet (older gateway). */
export function useUnreadCount() {
  return useQuery({
    queryKey: ["notifications", "unread"],
    queryFn: async () => {
      try {
        return (await api<{ count?: number; unread?: number }>("/v1/notifications/unread-count"));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
    select: (data) => (data ? (data.count ?? data.unread ?? 0) : null),
    refetchInterval: 60_000,
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

export function describe(notice: Notice): string {
  const d = notice.data as Record<string, unknown>;
  const text = (d.message ?? d.reason ?? d.detail) as string | undefined;
  if (text) return text;
  if (notice.kind === "cost.alert") return `Spending passed ${d.threshold ?? "a threshold"} of the budget${d.spent_usd ? ` ($${d.spent_usd} spent)` : ""}.`;
  if (notice.kind === "stage.failing") return `The ${d.stage ?? ""} stage is failing${d.failures ? ` (${d.failures} failures)` : ""}.`;
  if (notice.kind === "dlq.growing") return `Dead letters are piling up${d.count ? ` (${d.count})` : ""}.`;
  return notice.kind;
}
