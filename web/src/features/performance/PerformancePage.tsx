// A channel's YouTube performance and ROI over a date range (both in the URL); a channel that is
// not connected says so and shows no numbers.
import { useSearchParams } from "react-router";
import { daysAgo, isoDay, usd } from "../../api/format";
import type { Schemas } from "../../api/client";
import { Empty, QueryState } from "../../components/StateViews";
import { useChannelAnalytics, useChannelList, type Range } from "./api";

export function PerformancePage() {
  const [params, setParams] = useSearchParams();
  const channels = useChannelList();
  const channel = params.get("channel") ?? channels.data?.[0]?.id ?? "";
  const range: Range = { since: params.get("since") ?? daysAgo(27), until: params.get("until") ?? isoDay(new Date()) };
  const analytics = useChannelAnalytics(channel, range);

  function set(name: string, value: string) {
    const next = new URLSearchParams(params);
    next.set(name, value);
    setParams(next);
  }

  return (
    <>
      <h1>Performance</h1>
      <form className="panel" aria-label="Channel and date range" onSubmit={(e) => e.preventDefault()}>
        <label>Channel{" "}
          <select value={channel} onChange={(e) => set("channel", e.target.value)}>
            {(channels.data ?? []).map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </label>
        <label>From <input type="date" value={range.since} max={range.until} onChange={(e) => set("since", e.target.value)} /></label>
        <label>To <input type="date" value={range.until} onChange={(e) => set("until", e.target.value)} /></label>
      </form>
      {channel && (
        <QueryState query={analytics} what="Reading YouTube figures">
          {(doc) => <ChannelFigures doc={doc} />}
        </QueryState>
      )}
    </>
  );
}

function ChannelFigures({ doc }: { doc: Schemas["ChannelAnalytics"] }) {
  if (!doc.totals) return <Empty title={doc.connection === "connected" ? "No figures yet" : "Not connected"}>{doc.detail}</Empty>;
  const t = doc.totals;
  return (
    <>
      <section className="panel" aria-label="Totals">
        <dl>
          <dt>Views</dt><dd>{t.views ?? "—"}</dd>
          <dt>Watch hours</dt><dd>{t.watch_hours ?? "—"}</dd>
          <dt>Revenue</dt><dd>{t.revenue_usd === null ? "not granted" : usd(t.revenue_usd)}</dd>
          <dt>Cost</dt><dd>{usd(t.cost_usd)}</dd>
          <dt>ROI</dt><dd>{t.roi_usd === null ? "—" : usd(t.roi_usd)}</dd>
          <dt>RPM</dt><dd>{t.rpm_usd === null ? "—" : usd(t.rpm_usd)}</dd>
        </dl>
      </section>
      <section className="panel" aria-labelledby="best">
        <h2 id="best">Best videos</h2>
        <table>
          <thead><tr><th>Topic</th><th>Views</th><th>Revenue</th><th>Cost</th><th>ROI</th></tr></thead>
          <tbody>
            {doc.best_videos.map((v) => (
              <tr key={v.video_id}>
                <td>{v.topic ?? v.video_id}</td><td>{v.views ?? "—"}</td>
                <td>{v.revenue_usd === null ? "—" : usd(v.revenue_usd)}</td><td>{usd(v.cost_usd)}</td>
                <td>{v.roi_usd === null ? "—" : usd(v.roi_usd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
