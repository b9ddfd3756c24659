// What the pipeline is doing right now, from the tab's single live connection.
import { Link } from "react-router";
import { Empty } from "../../components/StateViews";
import { useLive } from "../live/LiveProvider";
import styles from "./OverviewPage.module.css";

export function LiveFeed() {
  const { recent, state } = useLive();
  return (
    <section className="panel" aria-labelledby="feed-title">
      <h2 id="feed-title">Live activity</h2>
      {recent.length === 0 ? (
        <Empty title={state === "live" ? "Quiet for now" : "Waiting for the live connection"}>
          Stage updates appear here as your videos move through the pipeline.
        </Empty>
      ) : (
        <ol className={styles.feed} aria-live="polite">
          {recent.map((e, i) => {
            const videoId = e.data.video_id as string | undefined;
            return (
              <li key={e.id ?? i}>
                <span className={styles.topic}>{e.event === "notice" ? `notice · ${e.data.kind as string}` : e.event}</span>{" "}
                {videoId ? <Link to={`/videos/${videoId}`}>{(e.data.title as string) ?? (e.data.topic as string) ?? videoId.slice(0, 8)}</Link> : null}
                {typeof e.data.status === "string" && <span className="muted"> · {e.data.status.replaceAll("_", " ")}</span>}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
