// Whether YouTube is still processing a published video: an upload is not watchable until
// YouTube says "processed" (the metrics collector reads it every 15 minutes while it is young).
import { when } from "../../api/format";
import { StatusChip } from "../../components/StatusChip";
import type { Video } from "./api";

export function YouTubeProcessingChip({ video }: { video: Video }) {
  return video.status === "published" && video.youtube?.processing ? <StatusChip status="youtube_processing" /> : null;
}

export function YouTubeProcessingNote({ video }: { video: Video }) {
  const yt = video.youtube;
  if (!yt || video.status !== "published") return null;
  const checked = yt.checked_at ? `checked ${when(yt.checked_at)}` : "not checked yet";
  return yt.processing ? (
    <p role="status" className="panel">Uploaded to YouTube. YouTube is still processing it, so it is not watchable yet ({checked}).</p>
  ) : (
    <p role="status" className="muted">YouTube finished processing it: it is live on YouTube ({checked}).</p>
  );
}
