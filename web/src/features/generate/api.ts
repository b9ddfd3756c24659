// The live estimate and the batch request behind the Generate page.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../api/client";

export const BATCH_LIMIT = 50;

export function useEstimate(channelId: string, count: number, durationS: number | null) {
  return useQuery({
    queryKey: ["estimate", channelId, count, durationS],
    queryFn: () => api<Schemas["CostProjection"]>("/v1/costs/projection", {
      query: { channel_id: channelId, count, target_duration_s: durationS },
    }),
    enabled: Boolean(channelId) && count > 0 && count <= BATCH_LIMIT,
    placeholderData: (previous) => previous,
    retry: false,
  });
}

export function useRequestVideos() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (videos: Schemas["VideoCreate"][]) =>
      api<Schemas["VideoBatchAccepted"]>("/v1/videos/batch", { method: "POST", body: { videos } }),
    onSuccess: () => client.invalidateQueries({ queryKey: ["videos"] }),
  });
}
