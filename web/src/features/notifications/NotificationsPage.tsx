// Every notification, newest first, with a way to mark them read.
import { when } from "../../api/format";
import { ErrorNotice, Empty, QueryState } from "../../components/StateViews";
import { describe, useMarkRead, useNotifications, useUnreadCount, type Notice } from "./api";

const KIND: Record<Notice["kind"], string> = {
  "cost.alert": "Cost alert", "stage.failing": "Failing stage", "dlq.growing": "Dead letters", "schedule.skipped": "Skipped slot",
  "video.not_uploaded": "Not uploaded", "video.youtube_failed": "Failed on YouTube", "provider.fallback": "Fallback",
  "topics.source_failed": "Topic source",
};

export function NotificationsPage() {
  const notices = useNotifications();
  const unread = useUnreadCount();
  const mark = useMarkRead();
  const canMark = unread.data !== undefined;
  return (
    <>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h1>Notifications</h1>
        {canMark && (
          <button type="button" className="secondary" disabled={!unread.data || mark.isPending}
                  onClick={() => mark.mutate("all")}>Mark all read</button>
        )}
      </div>
      {mark.error && <ErrorNotice error={mark.error} />}
      <QueryState query={notices} what="Loading notifications">
        {(list) => list.length === 0 ? (
          <Empty title="Nothing to report">Cost alerts, failing stages, dead letters and skipped slots show up here.</Empty>
        ) : (
          <ul className="panel" style={{ listStyle: "none", padding: 0 }}>
            {list.map((n) => (
              <li key={n.id} style={{ padding: ".75rem 1rem", borderBottom: "1px solid var(--line)", fontWeight: n.read_at === null ? 600 : 400 }}>
                <div className="row" style={{ justifyContent: "space-between" }}>
                  <span><strong>{KIND[n.kind]}</strong> · {describe(n)}</span>
                  <span className="row">
                    <time className="muted" dateTime={n.occurred_at}>{when(n.occurred_at)}</time>
                    {canMark && n.read_at === null && (
                      <button type="button" className="secondary" onClick={() => mark.mutate(n.id)}>Mark read</button>
                    )}
                  </span>
                </div>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </>
  );
}
