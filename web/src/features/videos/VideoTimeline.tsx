// The pipeline's stages for one video: done, in progress, waiting or failed. The page's data
// is refreshed by the tab's live connection, so the marks move without a reload.
import { when } from "../../api/format";
import { STAGE_LABEL, STAGES, type Video } from "./api";
import styles from "./VideoPage.module.css";

function stepState(video: Video, index: number): "done" | "current" | "failed" | "waiting" {
  // Made, not uploaded (the channel is not connected): every step but the upload is done.
  if (video.status === "ready_not_uploaded") return index < STAGES.length - 1 ? "done" : "waiting";
  const published = video.status === "published";
  const current = video.current_stage ? STAGES.indexOf(video.current_stage) : -1;
  const reached = published ? STAGES.length : current >= 0 ? current : Math.round(video.progress * (STAGES.length - 1));
  if (index < reached || published) return "done";
  if (index === reached) {
    if (["failed", "rejected", "cancelled"].includes(video.status)) return "failed";
    if (video.status === "awaiting_publish") return "waiting";
    return "current";
  }
  return "waiting";
}

export function VideoTimeline({ video }: { video: Video }) {
  const byStage = new Map((video.timeline ?? []).map((s) => [s.stage, s]));
  return (
    <section className="panel" aria-labelledby="timeline">
      <h2 id="timeline">Progress <span className="muted">{Math.round(video.progress * 100)}%</span></h2>
      <ol className={styles.steps} aria-label="Pipeline stages">
        {STAGES.map((stage, i) => {
          const state = stepState(video, i);
          const step = byStage.get(stage);
          return (
            <li key={stage} className={`${styles.step} ${styles[state] ?? ""}`} data-state={state}>
              <span className={styles.mark} aria-hidden="true">{state === "done" ? "✓" : state === "failed" ? "!" : i + 1}</span>
              <span>{STAGE_LABEL[stage]} <span className="visually-hidden">({state})</span></span>
              {step?.at && <time className="muted" dateTime={step.at}>{when(step.at)}</time>}
              {step?.seconds != null && <span className="muted">{step.seconds.toFixed(1)} s</span>}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
