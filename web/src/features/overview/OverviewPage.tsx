// The first page: how the channels are doing today, this week and this month, and what is
// happening right now.
import { Link } from "react-router";
import { percent, usd } from "../../api/format";
import { QueryState } from "../../components/StateViews";
import { useChannelFilter } from "../channels/api";
import { LiveFeed } from "./LiveFeed";
import { StatCard } from "./StatCard";
import { useOverview, type Overview } from "./api";
import styles from "./OverviewPage.module.css";

function budgetNote(o: Overview): string | undefined {
  if (!o.monthly_budget_usd) return "No monthly budget set";
  const share = Number(o.spend_month_usd ?? 0) / Number(o.monthly_budget_usd);
  return `${Math.round(share * 100)}% of ${usd(o.monthly_budget_usd)} budget`;
}

export function OverviewPage() {
  const [channel] = useChannelFilter();
  const overview = useOverview(channel);
  return (
    <>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h1>Overview</h1>
        <Link to="/generate">Generate videos →</Link>
      </div>
      <QueryState query={overview} what="Loading your numbers">
        {(o) => (
          <>
            {o.unavailable && <p role="status" className="muted">{o.unavailable}</p>}
            <section aria-label="Key figures" className={styles.cards}>
              <StatCard label="Channels" value={String(o.channels.active)}
                        note={`${o.channels.paused} paused · ${o.channels.deleted} deleted`} />
              <StatCard label="Videos today" value={o.videos_today ?? "—"} note={`${o.videos_7d ?? "—"} in 7 days`} />
              <StatCard label="Spend today" value={usd(o.spend_today_usd)} />
              <StatCard label="Spend this month" value={usd(o.spend_month_usd)} note={budgetNote(o)}
                        warn={Boolean(o.monthly_budget_usd && Number(o.spend_month_usd) > Number(o.monthly_budget_usd))} />
              <StatCard label="Success rate" value={percent(o.success_rate)} note="last 30 days" />
              <StatCard label="Average quality" value={o.avg_quality === null ? "—" : o.avg_quality.toFixed(0)} note="last 30 days" />
              <StatCard label="Average cost per video" value={usd(o.avg_cost_per_video_usd)} note="last 30 days" />
            </section>
          </>
        )}
      </QueryState>
      <LiveFeed />
    </>
  );
}
