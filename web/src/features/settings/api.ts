// Account settings: budget, API keys, webhooks, password and sessions.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../api/client";


export function useKeys() {
  return useQuery({ queryKey: ["keys"], queryFn: () => api<Schemas["KeyOut"][]>("/v1/keys") });
}
export function useWebhooks() {
  return useQuery({ queryKey: ["webhooks"], queryFn: () => api<Schemas["WebhookOut"][]>("/v1/webhooks") });
}
/** Newest first; read again every 2 s while a delivery is due within a minute (a test just
 *  sent), not while one waits out a long retry backoff. */
export function useDeliveries(id: string) {
  return useQuery({
    queryKey: ["webhooks", id, "deliveries"],
    queryFn: () => api<Schemas["DeliveryOut"][]>(`/v1/webhooks/${id}/deliveries`),
    refetchInterval: (query) => query.state.data?.some((d) => d.status === "pending"
      && Date.parse(d.next_attempt_at) - Date.now() < 60_000) ? 2000 : false,
  });
}
export function useSessions() {
  return useQuery({ queryKey: ["sessions"], queryFn: () => api<Schemas["SessionOut"][]>("/v1/me/sessions") });
}

/** A mutation that refreshes ``keys`` when it succeeds. */
export function useCall<I, O>(fn: (input: I) => Promise<O>, keys: string[][]) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => Promise.all(keys.map((queryKey) => client.invalidateQueries({ queryKey }))),
  });
}
