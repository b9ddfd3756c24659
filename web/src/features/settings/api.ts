// Account settings: budget, API keys, webhooks, password and sessions.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, type Schemas } from "../../api/client";

export interface SessionOut { id: string; created_at: string; last_seen_at: string | null; user_agent: string | null; address: string | null; current: boolean }

/** A query that answers null when the gateway does not have the endpoint (yet). */
function optional<T>(path: string) {
  return async () => {
    try {
      return await api<T>(path);
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
      throw error;
    }
  };
}

export function useKeys() {
  return useQuery({ queryKey: ["keys"], queryFn: () => api<Schemas["KeyOut"][]>("/v1/keys") });
}
export function useWebhooks() {
  return useQuery({ queryKey: ["webhooks"], queryFn: () => api<Schemas["WebhookOut"][]>("/v1/webhooks") });
}
export function useDeliveries(id: string, open: boolean) {
  return useQuery({ queryKey: ["webhooks", id, "deliveries"], queryFn: () => api<Schemas["DeliveryOut"][]>(`/v1/webhooks/${id}/deliveries`), enabled: open });
}
export function useSessions() {
  return useQuery({ queryKey: ["sessions"], queryFn: optional<SessionOut[]>("/v1/me/sessions") });
}

/** A mutation that refreshes ``keys`` when it succeeds. */
export function useCall<I, O>(fn: (input: I) => Promise<O>, keys: string[][]) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => Promise.all(keys.map((queryKey) => client.invalidateQueries({ queryKey }))),
  });
}
