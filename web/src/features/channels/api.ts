// Channels: list (with deleted ones for restore), create, edit, soft delete, restore.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { api, type Schemas } from "../../api/client";

export type Channel = Schemas["ChannelOut"] & { status?: string };
export type ChannelInput = Schemas["ChannelCreate"];
export const CHANNEL_LIMIT = 5;

export function channelStatus(channel: Channel): "active" | "paused" | "deleted" {
  if (channel.deleted_at) return "deleted";
  if (channel.status === "paused") return "paused";
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
