// Just-requested videos with their progress, refreshed by the tab's live connection.
import { useQueries } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, reasonOf } from "../../api/client";
import { StatusChip } from "../../components/StatusChip";
import type { Video } from "./api";

export function VideoProgressList({ ids }: { ids: string[] }) {
  const videos = useQueries({
    queries: ids.map((id) => ({ queryKey: ["videos", id], queryFn: () => api<Video>(`/v1/videos/${id}`), refetchInterval: 5000 })),
  });
  return (
    <ul style={{ listStyle: "none", padding: 0, margin: 0 }}>
      {videos.map((q, i) => (
        <li key={ids[i]} style={{ padding: ".5rem 0", borderBottom: "1px solid var(--line)" }}>
          {q.data ? (
            <div className="row">
              <Link to={`/videos/${ids[i]}`}>{q.data.title ?? q.data.topic}</Link>
              <StatusChip status={q.data.status} />
              <progress max={1} value={q.data.progress} aria-label={`Progress of ${q.data.topic}`} />
              <span className="muted">{Math.round(q.data.progress * 100)}%</span>
            </div>
          ) : q.error ? <span role="alert">{reasonOf(q.error)}</span> : <span className="muted">Loading…</span>}
        </li>
      ))}
    </ul>
  );
}
