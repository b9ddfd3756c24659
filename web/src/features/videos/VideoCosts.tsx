// Every paid provider call the video made: which stage, provider and model, how much of what,
// and whether a cached answer saved the call.
import { usd, when } from "../../api/format";
import { ErrorNotice, Loading } from "../../components/StateViews";
import { useVideoCosts } from "./api";

export function VideoCosts({ id }: { id: string }) {
  const costs = useVideoCosts(id);
  if (costs.isPending) return <Loading what="Loading provider calls" />;
  if (costs.error) return <ErrorNotice error={costs.error} />;
  if (costs.data.calls.length === 0) return <p className="muted">No paid calls yet.</p>;
  return (
    <div className="scroll" tabIndex={0} role="region" aria-label="Provider calls, scrollable">
      <table aria-label="Provider calls">
        <thead><tr><th>Stage</th><th>Provider</th><th>Used</th><th>Cost</th><th>When</th></tr></thead>
        <tbody>
          {costs.data.calls.map((c, i) => (
            <tr key={i}>
              <td>{c.stage}{c.attempt > 1 && <span className="muted"> (attempt {c.attempt})</span>}</td>
              <td>{c.provider}{c.model && <span className="muted"> · {c.model}</span>}</td>
              <td>{c.quantity != null ? `${c.quantity.toLocaleString("en-US")} ${c.unit ?? ""}` : "—"}</td>
              <td>{usd(c.usd)}{c.cached && <span className="muted"> · cached</span>}</td>
              <td>{when(c.at)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot><tr><th scope="row" colSpan={3}>Total</th><td>{usd(costs.data.total_usd)}</td><td /></tr></tfoot>
      </table>
    </div>
  );
}
