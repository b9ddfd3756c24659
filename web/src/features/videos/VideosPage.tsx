// Every video, filtered by channel, status and date range, sorted and paged on the server (the
// filters and page live in the URL, so a view can be bookmarked).
import { Link, useLocation, useSearchParams } from "react-router";
import { statusLabel, usd, when } from "../../api/format";
import { StatusChip } from "../../components/StatusChip";
import { Empty, ErrorNotice, Loading } from "../../components/StateViews";
import { useChannels } from "../channels/api";
import { PAGE_SIZE, STATUSES, useVideoPage, type VideoFilters } from "./api";
import { YouTubeProcessingChip } from "./YouTubeProcessing";
import styles from "./VideosPage.module.css";

const SORTS = [["-created_at", "Newest first"], ["created_at", "Oldest first"], ["status", "Status"], ["-cost", "Most expensive"]];

export function VideosPage() {
  const [params, setParams] = useSearchParams();
  const f: VideoFilters = {
    channel: params.get("channel") ?? "", status: params.get("status") ?? "", since: params.get("since") ?? "",
    until: params.get("until") ?? "", sort: params.get("sort") ?? "", cursor: params.get("cursor") ?? "",
  };
  // Cursors of the pages before this one: in the history entry, not the URL, which stays short.
  const trail: string[] = (useLocation().state as { trail?: string[] } | null)?.trail ?? [];
  const page = useVideoPage(f);
  const channels = useChannels(true);
  const channelName = (id: string) => channels.data?.find((c) => c.id === id)?.name ?? id.slice(0, 8);

  function update(changes: Partial<VideoFilters>, nextTrail: string[] = []) {
    const next = new URLSearchParams(params);
    for (const [name, value] of Object.entries(changes)) {
      if (value) next.set(name, value); else next.delete(name);
    }
    if (!("cursor" in changes)) next.delete("cursor");
    setParams(next, { state: { trail: nextTrail } });
  }

  return (
    <>
      <h1>Videos</h1>
      <form className={`panel ${styles.filters}`} aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label>Status
          <select value={f.status} onChange={(e) => update({ status: e.target.value })}>
            <option value="">Any</option>
            {STATUSES.map((s) => <option key={s} value={s}>{statusLabel(s)}</option>)}
          </select>
        </label>
        <label>From <input type="date" value={f.since} onChange={(e) => update({ since: e.target.value })} /></label>
        <label>To <input type="date" value={f.until} onChange={(e) => update({ until: e.target.value })} /></label>
        <label>Sort
          <select value={f.sort} onChange={(e) => update({ sort: e.target.value })}>
            {SORTS.map(([v, l]) => <option key={v} value={v === "-created_at" ? "" : v}>{l}</option>)}
          </select>
        </label>
      </form>
      {page.isPending ? <Loading what="Loading videos" />
        : page.error ? <ErrorNotice error={page.error} onRetry={() => void page.refetch()} />
        : page.data.items.length === 0 ? (
          <Empty title="No videos match">{f.status || f.since || f.until || f.channel ? "Try other filters." : <Link to="/generate">Generate your first video.</Link>}</Empty>
        ) : (
          <div className="panel scroll" aria-busy={page.isFetching}>
            <table>
              <caption className="visually-hidden">Videos, page {trail.length + 1}</caption>
              <thead><tr><th>Video</th><th>Channel</th><th>Status</th><th>Progress</th><th>Cost</th><th>Requested</th></tr></thead>
              <tbody>
                {page.data.items.map((v) => (
                  <tr key={v.id}>
                    <td><Link to={`/videos/${v.id}`}>{v.title ?? v.topic}</Link></td>
                    <td>{channelName(v.channel_id)}</td>
                    <td><StatusChip status={v.status} /> <YouTubeProcessingChip video={v} /></td>
                    <td>{Math.round(v.progress * 100)}%</td>
                    <td>{usd(v.cost_usd)}</td>
                    <td>{when(v.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <nav aria-label="Pages" className="row" style={{ justifyContent: "space-between", marginTop: ".6rem" }}>
              <span className="muted">
                Page {trail.length + 1}{page.data.total != null ? ` of ${Math.max(1, Math.ceil(page.data.total / PAGE_SIZE))} (${page.data.total} videos)` : ""}
              </span>
              <span className="row">
                <button type="button" className="secondary" disabled={trail.length === 0}
                        onClick={() => update({ cursor: trail[trail.length - 1] }, trail.slice(0, -1))}>
                  Previous page
                </button>
                <button type="button" className="secondary" disabled={!page.data.next_cursor}
                        onClick={() => update({ cursor: page.data.next_cursor ?? "" }, [...trail, f.cursor])}>
                  Next page
                </button>
              </span>
            </nav>
          </div>
        )}
    </>
  );
}
