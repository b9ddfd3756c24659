// Every paid provider call the video made.
import { usd, when } from "../../api/format";
import { ErrorNotice, Loading } from "../../components/StateViews";
import { useVideoCosts } from "./api";

export function VideoCosts({ id }: { id: string }) {
  const calls = useVideoCosts(id);
  if (calls.isPending) return <Loading what="Loading provider calls" />;
  if (calls.error) return <ErrorNotice error={calls.error} />;
  if (calls.data === null) return <p className="muted">Per-call costs are not available on this server.</p>;
  if (calls.data.length === 0) return <p className="muted">No paid calls yet.</p>;
  return (
    <table aria-label="Provider calls">
      <thead><tr><th>Provider</th><th>Stage</th><th>Cost</th><th>When</th></tr></thead>
      <tbody>
        {calls.data.map((c, i) => (
          <tr key={i}><td>{c.provider}</td><td>{c.stage ?? "—"}</td><td>{usd(c.usd ?? c.cost_usd)}</td><td>{when(c.at ?? c.occurred_at)}</td></tr>
        ))}
      </tbody>
    </table>
  );
}
