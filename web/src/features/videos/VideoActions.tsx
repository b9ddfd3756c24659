// What the owner can do with the video now: retry, cancel, approve, publish (with a reason when
// overriding quality; a video left ready but not uploaded once its channel is connected) or reject.
import { useState } from "react";
import { ErrorNotice } from "../../components/StateViews";
import { useVideoAction, type Action, type Video } from "./api";

const RUNNING = ["queued", "processing", "requested"];

export function VideoActions({ video }: { video: Video }) {
  const act = useVideoAction(video.id);
  const [reason, setReason] = useState("");
  const held = video.status === "awaiting_publish";
  const rejected = video.status === "rejected";
  const ready = video.status === "ready_not_uploaded";
  const run = (action: Action, withReason = false) => act.mutate({ action, reason: withReason ? reason.trim() : undefined });
  const needsReason = rejected && !held;
  if (!RUNNING.includes(video.status) && !held && !rejected && !ready && video.status !== "failed" && video.status !== "cancelled") return null;
  return (
    <section className="panel" aria-label="Actions">
      <div className="row">
        {RUNNING.includes(video.status) && <button type="button" className="danger" disabled={act.isPending} onClick={() => run("cancel")}>Cancel</button>}
        {(video.status === "failed" || video.status === "cancelled") && <button type="button" disabled={act.isPending} onClick={() => run("retry")}>Retry</button>}
        {held && <button type="button" disabled={act.isPending} onClick={() => run("approve")}>Approve</button>}
        {ready && <button type="button" disabled={act.isPending} onClick={() => run("publish")}>Publish now</button>}
        {(held || rejected) && (
          <>
            <label className="row">Reason
              <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder={needsReason ? "Why publish despite the rejection" : "Needed to reject"} />
            </label>
            <button type="button" className="secondary" disabled={act.isPending || (needsReason && !reason.trim())} onClick={() => run("publish", true)}>Publish now</button>
            {held && <button type="button" className="danger" disabled={act.isPending || !reason.trim()} onClick={() => run("reject", true)}>Reject</button>}
          </>
        )}
      </div>
      {act.error && <ErrorNotice error={act.error} />}
      {held && !act.isPending && <p className="muted">Held for your review: approve to publish at the channel's next slot, publish now, or reject with a reason.</p>}
      {ready && !act.isPending && <p className="muted">Made and ready, not uploaded: this channel is not connected to YouTube. Connect it (or set it local only), then publish.</p>}
    </section>
  );
}
