// One video: where it is in the pipeline (moving live), what every provider call cost, how
// quality judged it, its metadata, the MP4 itself, and what the owner can do next.
import { Link, useParams } from "react-router";
import { usd, when } from "../../api/format";
import { StatusChip } from "../../components/StatusChip";
import { QueryState } from "../../components/StateViews";
import { QualityBreakdown } from "./QualityBreakdown";
import { VideoActions } from "./VideoActions";
import { VideoCosts } from "./VideoCosts";
import { VideoPlayer } from "./VideoPlayer";
import { VideoTimeline } from "./VideoTimeline";
import { YouTubeProcessingChip, YouTubeProcessingNote } from "./YouTubeProcessing";
import { useVideo } from "./api";
import styles from "./VideoPage.module.css";

export function VideoPage() {
  const { id = "" } = useParams();
  const video = useVideo(id);
  return (
    <QueryState query={video} what="Loading the video">
      {(v) => (
        <>
          <p><Link to="/videos">← All videos</Link></p>
          <div className="row" style={{ justifyContent: "space-between" }}>
            <h1>{v.title ?? v.topic}</h1>
            <div className="row"><StatusChip status={v.status} /><YouTubeProcessingChip video={v} /></div>
          </div>
          <YouTubeProcessingNote video={v} />
          {v.failure_reason && <p role="alert" className="panel" style={{ color: "var(--bad)" }}>{v.failure_reason}</p>}
          <VideoActions video={v} />
          <div className={styles.grid}>
            <div>
              <VideoTimeline video={v} />
              <VideoPlayer video={v} />
              <section className="panel" aria-labelledby="meta">
                <h2 id="meta">Title, description and tags</h2>
                <dl className={styles.meta}>
                  <dt>Topic</dt><dd>{v.topic}</dd>
                  <dt>Title</dt><dd>{v.title ?? <span className="muted">not written yet</span>}</dd>
                  {v.description != null && <><dt>Description</dt><dd style={{ whiteSpace: "pre-wrap" }}>{v.description}</dd></>}
                  {v.tags && <><dt>Tags</dt><dd>{v.tags.join(", ")}</dd></>}
                  <dt>YouTube</dt><dd>{v.url ? <a href={v.url}>{v.url}</a> : <span className="muted">not published</span>}</dd>
                  <dt>Requested</dt><dd>{when(v.created_at)}</dd>
                  <dt>Attempt</dt><dd>{v.attempt}</dd>
                </dl>
              </section>
            </div>
            <div>
              <section className="panel" aria-labelledby="cost-title">
                <h2 id="cost-title">Cost</h2>
                <p className={styles.big}>{usd(v.cost_usd)}</p>
                <p className="muted">estimated {usd(v.cost_estimate_usd)}</p>
                <VideoCosts id={v.id} />
              </section>
              <QualityBreakdown video={v} />
            </div>
          </div>
        </>
      )}
    </QueryState>
  );
}
