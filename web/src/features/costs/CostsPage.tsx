// Where the money went over a chosen date range: per day, provider, stage, channel and video,
// each exportable as CSV, with this month's projection against the budget.
import { useState } from "react";
import { useSearchParams } from "react-router";
import { usd, daysAgo, isoDay } from "../../api/format";
import { ErrorNotice } from "../../components/StateViews";
import { SpendByDayChart } from "./SpendByDayChart";
import { SpendTable } from "./SpendTable";
import { useMonthProjection, useSpend, type Range } from "./api";
import styles from "./CostsPage.module.css";

export function CostsPage() {
  const [params, setParams] = useSearchParams();
  const range: Range = {
    since: params.get("since") ?? daysAgo(29), until: params.get("until") ?? isoDay(new Date()),
    channel: params.get("channel") ?? "",
  };
  const projection = useMonthProjection();
  const month = useSpend("day", { ...range, since: `${isoDay(new Date()).slice(0, 8)}01`, until: isoDay(new Date()) });
  const byDay = useSpend("day", range);
  const [rangeError, setRangeError] = useState<string | null>(null);

  function setDate(name: "since" | "until", value: string) {
    const next = { ...range, [name]: value };
    if (next.since && next.until && next.since > next.until) {
      setRangeError("The start date must be on or before the end date.");
      return;
    }
    setRangeError(null);
    const p = new URLSearchParams(params);
    p.set(name, value);
    setParams(p);
  }

  const p = projection.data;
  return (
    <>
      <h1>Costs</h1>
      <form className={`panel ${styles.range}`} aria-label="Date range" onSubmit={(e) => e.preventDefault()}>
        <label>From <input type="date" value={range.since} max={range.until} onChange={(e) => setDate("since", e.target.value)} aria-invalid={rangeError ? true : undefined} /></label>
        <label>To <input type="date" value={range.until} onChange={(e) => setDate("until", e.target.value)} /></label>
        {rangeError && <span role="alert" style={{ color: "var(--bad)" }}>{rangeError}</span>}
        <div className={styles.projection} aria-label="This month" role="group">
          <span>This month <strong>{month.data ? usd(month.data.total_usd) : "—"}</strong></span>
          <span>projected <strong>{p ? usd(p.projected_usd) : "—"}</strong>
            {p?.monthly_budget_usd && <> of {usd(p.monthly_budget_usd)} budget</>}
            {p?.over_budget && <strong style={{ color: "var(--bad)" }}> · over budget</strong>}</span>
        </div>
      </form>
      {month.error && <ErrorNotice error={month.error} />}
      {projection.error && <ErrorNotice error={projection.error} />}
      <section className="panel" aria-labelledby="per-day">
        <h2 id="per-day">Spend per day</h2>
        {byDay.data && byDay.data.rows.length > 0 && <SpendByDayChart rows={byDay.data.rows} />}
        <SpendTable by="day" range={range} report={byDay} />
      </section>
      <div className={styles.grid}>
        <SpendSection by="provider" title="By provider" range={range} />
        <SpendSection by="stage" title="By stage" range={range} />
        <SpendSection by="channel" title="By channel" range={range} />
      </div>
      <SpendSection by="video" title="By video" range={range} />
    </>
  );
}

function SpendSection({ by, title, range }: { by: "provider" | "stage" | "channel" | "video"; title: string; range: Range }) {
  const report = useSpend(by, range);
  return (
    <section className="panel" aria-labelledby={`by-${by}`}>
      <h2 id={`by-${by}`}>{title}</h2>
      <SpendTable by={by} range={range} report={report} />
    </section>
  );
}
