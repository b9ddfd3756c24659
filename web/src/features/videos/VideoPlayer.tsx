// The rendered MP4 and thumbnail, streamed from the authenticated artifact route (HTTP range,
// so seeking works). Shown once the video has been assembled.
import { useQuery } from "@tanstack/react-query";
import { apiKey } from "../../api/client";
import { artifactUrl, type Video } from "./api";
import styles from "./VideoPage.module.css";

export function VideoPlayer({ video }: { video: Video }) {
  const artifacts = video.artifacts as Record<string, unknown>;
  // One byte of the file proves the artifact route answers before a player is drawn around it.
  const served = useQuery({
    queryKey: ["videos", video.id, "artifact"],
    queryFn: async () => (await fetch(artifactUrl(video.id, "video"), { headers: { Range: "bytes=0-0" } })).ok,
    enabled: Boolean(artifacts.video) && !apiKey.get(),
    staleTime: Infinity,
  });
  if (artifacts.video && served.data === false)
    return (
      <section className="panel" aria-labelledby="player">
        <h2 id="player">Video</h2>
        <p className="muted">Playback in the browser is not available on this server yet.</p>
      </section>
    );
  return (
    <section className="panel" aria-labelledby="player">
      <h2 id="player">Video</h2>
      {apiKey.get() ? (
        <p className="muted">Sign in with your email and password to watch videos in the browser.</p>
      ) : !artifacts.video || !served.data ? (
        <p className="muted">The video appears here once it is rendered.</p>
      ) : (
        <video className={styles.player} controls preload="metadata" src={artifactUrl(video.id, "video")}
               poster={artifacts.thumbnail ? artifactUrl(video.id, "thumbnail") : undefined}
               aria-label={`Video: ${video.title ?? video.topic}`} />
      )}
      {artifacts.thumbnail && served.data ? (
        <figure style={{ margin: ".8rem 0 0" }}>
          <img className={styles.thumb} src={artifactUrl(video.id, "thumbnail")} alt={`Thumbnail of ${video.title ?? video.topic}`} width={320} />
          <figcaption className="muted">Thumbnail</figcaption>
        </figure>
      ) : null}
    </section>
  );
}
