// The rendered MP4 and thumbnail, streamed from the authenticated artifact route (HTTP range,
// so seeking works). Shown once the video has been assembled.
import { useState } from "react";
import { apiKey } from "../../api/client";
import { artifactUrl, type Video } from "./api";
import styles from "./VideoPage.module.css";

export function VideoPlayer({ video }: { video: Video }) {
  const artifacts = video.artifacts as Record<string, unknown>;
  const [broken, setBroken] = useState(false);
  const title = video.title ?? video.topic;
  return (
    <section className="panel" aria-labelledby="player">
      <h2 id="player">Video</h2>
      {apiKey.get() ? (
        <p className="muted">Sign in with your email and password to watch videos in the browser.</p>
      ) : !artifacts.video ? (
        <p className="muted">The video appears here once it is rendered.</p>
      ) : broken ? (
        <p role="alert">The video file could not be loaded; reload the page to try again.</p>
      ) : (
        <video className={styles.player} controls preload="metadata" src={artifactUrl(video.id, "video")}
               poster={artifacts.thumbnail ? artifactUrl(video.id, "thumbnail") : undefined}
               onError={() => setBroken(true)} aria-label={`Video: ${title}`} />
      )}
      {artifacts.thumbnail && !apiKey.get() ? (
        <figure style={{ margin: ".8rem 0 0" }}>
          <img className={styles.thumb} src={artifactUrl(video.id, "thumbnail")} alt={`Thumbnail of ${title}`} width={320} />
          <figcaption className="muted">Thumbnail</figcaption>
        </figure>
      ) : null}
    </section>
  );
}
