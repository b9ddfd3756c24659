// Videos: the paged list, one video, its provider calls and the actions on it.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../api/client";

export interface TimelineStep { stage: string; status?: string; at?: string | null; seconds?: number | null }
export type Video = Schemas["VideoOut"] & {
  description?: string | null; tags?: string[] | null; timeline?: TimelineStep[] | null;
};
export interface VideoFilters { channel: string; status: string; since: string; until: string; sort: string; cursor: string }

export const STAGES = ["script.requested", "script.ready", "voice.ready", "video.assembled", "quality.scored", "upload.done"];
export const STAGE_LABEL: Record<string, string> = {
  "script.requested": "Requested", "script.ready": "Script written", "voice.ready": "Narration recorded",
  "video.assembled": "Video rendered", "quality.scored": "Quality checked", "upload.done": "Published",
};
export const STATUSES = ["queued", "processing", "awaiting_publish", "published", "ready_not_uploaded", "rejected", "failed", "cancelled"];
export const PAGE_SIZE = 25;

export function useVideoPage(f: VideoFilters) {
  return useQuery({
    queryKey: ["videos", "page", f],
    queryFn: ({ signal }) => api<Schemas["VideoPage"] & { total?: number | null }>("/v1/videos", {
      signal,
      query: {
        channel_id: f.channel, status: f.status, sort: f.sort || undefined, cursor: f.cursor, limit: PAGE_SIZE,
        created_after: f.since ? `${f.since}T00:00:00Z` : undefined,
        created_before: f.until ? `${f.until}T23:59:59Z` : undefined,
      },
    }),
    placeholderData: keepPreviousData,
  });
}

export function useVideo(id: string) {
  return useQuery({ queryKey: ["videos", id], queryFn: () => api<Video>(`/v1/videos/${id}`), retry: 1 });
}

/** Every paid provider call of the video, oldest first, with their total. */
export function useVideoCosts(id: string) {
  return useQuery({
    queryKey: ["videos", id, "costs"],
    queryFn: () => api<Schemas["VideoCosts"]>(`/v1/videos/${id}/costs`),
  });
}

export type Action = "retry" | "cancel" | "approve" | "publish" | "reject";

export function useVideoAction(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ action, reason }: { action: Action; reason?: string }) =>
      api<unknown>(`/v1/videos/${id}/${action}`, { method: "POST", body: reason ? { reason } : action === "cancel" ? {} : undefined }),
    onSuccess: () => client.invalidateQueries({ queryKey: ["videos"] }),
  });
}

export const artifactUrl = (id: string, kind: "video" | "thumbnail") => `/v1/videos/${id}/artifacts/${kind}`;
