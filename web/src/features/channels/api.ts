// Channels: list (with deleted ones for restore), create, edit, soft delete, restore.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { api, type Schemas } from "../../api/client";

export type Channel = Schemas["ChannelOut"];
export type ChannelInput = Schemas["ChannelCreate"];
export const CHANNEL_LIMIT = 5;

/** Paused: the scheduler skips the channel's slots (videos can still be requested by hand). */
export function channelStatus(channel: Channel): "active" | "paused" | "deleted" {
  if (channel.deleted_at) return "deleted";
  if (channel.schedule_paused) return "paused";
  return "active";
}

export function useChannels(includeDeleted = false) {
  return useQuery({
    queryKey: ["channels", { includeDeleted }],
    queryFn: () => api<Channel[]>("/v1/channels", { query: { include_deleted: includeDeleted || undefined } }),
  });
}

export function useChannel(id: string | undefined) {
  return useQuery({
    queryKey: ["channels", id],
    queryFn: () => api<Channel>(`/v1/channels/${id}`),
    enabled: Boolean(id),
  });
}

export function useSaveChannel(id?: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Partial<ChannelInput>) =>
      id ? api<Channel>(`/v1/channels/${id}`, { method: "PATCH", body })
         : api<Channel>("/v1/channels", { method: "POST", body }),
    onSuccess: () => client.invalidateQueries({ queryKey: ["channels"] }),
  });
}

export function useDeleteChannel() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/v1/channels/${id}`, { method: "DELETE" }),
    onSuccess: () => client.invalidateQueries({ queryKey: ["channels"] }),
  });
}

export function useRestoreChannel() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<Channel>(`/v1/channels/${id}/restore`, { method: "POST" }),
    onSuccess: () => client.invalidateQueries({ queryKey: ["channels"] }),
  });
}

/** Pause or resume the channel's schedule (a PATCH of ``schedule_paused``). */
export function usePauseChannel() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, paused }: { id: string; paused: boolean }) =>
      api<Channel>(`/v1/channels/${id}`, { method: "PATCH", body: { schedule_paused: paused } }),
    onSuccess: () => Promise.all([client.invalidateQueries({ queryKey: ["channels"] }),
                                  client.invalidateQueries({ queryKey: ["overview"] })]),
  });
}

/** The channel chosen in the header's switcher: kept in the URL (?channel=) so it filters every
 * page and survives a bookmark. */
export function useChannelFilter(): [string, (id: string) => void] {
  const [params, setParams] = useSearchParams();
  const set = (id: string) => {
    const next = new URLSearchParams(params);
    if (id) next.set("channel", id); else next.delete("channel");
    next.delete("cursor");
    setParams(next);
  };
  return [params.get("channel") ?? "", set];
}
