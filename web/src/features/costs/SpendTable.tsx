// One spend grouping as a table with its total and a CSV export of the same range.
import { useState } from "react";
import { Link } from "react-router";
import { reasonOf, type Schemas } from "../../api/client";
import { usd } from "../../api/format";
import { Empty, ErrorNotice, Loading } from "../../components/StateViews";
import { useChannels } from "../channels/api";
import { downloadCsv, type Grouping, type Range } from "./api";

interface Props {
  by: Grouping;
  range: Range;
  report: { data: Schemas["SpendReport"] | undefined; error: unknown; isPending: boolean; refetch: () => unknown };
}

export function SpendTable({ by, range, report }: Props) {
  const channels = useChannels(true);
  const [exportError, setExportError] = useState<string | null>(null);
  const label = (key: string) => {
    if (by === "channel") return channels.data?.find((c) => c.id === key)?.name ?? key;
    if (by === "video") return <Link to={`/videos/${key}`}>{key.slice(0, 8)}</Link>;
    return key;
  };
  if (report.isPending) return <Loading what="Loading spend" />;
  if (report.error) return <ErrorNotice error={report.error} onRetry={() => void report.refetch()} />;
  if (report.data === undefined) return null;
  const rows = report.data.rows;
  return (
    <>
      <div className="row" style={{ justifyContent: "space-between", marginBottom: ".4rem" }}>
        <span>Total <strong>{usd(report.data.total_usd)}</strong> over {report.data.calls} calls</span>
        <button type="button" className="secondary"
                onClick={() => { setExportError(null); downloadCsv(by, range).catch((e) => setExportError(reasonOf(e))); }}>
          Export CSV<span className="visually-hidden"> of spend by {by}</span>
        </button>
      </div>
      {exportError && <p role="alert" style={{ color: "var(--bad)" }}>{exportError}</p>}
      {rows.length === 0 ? <Empty title="No spend in this range" /> : (
        <div className="scroll" style={{ maxHeight: 360, overflowY: "auto" }}>
          <table aria-label={`Spend by ${by}`}>
            <thead><tr><th>{by}</th><th>Cost</th><th>Calls</th></tr></thead>
            <tbody>{rows.map((r) => <tr key={r.key}><td>{label(r.key)}</td><td>{usd(r.usd)}</td><td>{r.calls}</td></tr>)}</tbody>
          </table>
        </div>
      )}
    </>
  );
}
