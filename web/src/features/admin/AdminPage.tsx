// For administrators: users, dead letters (with retry) and the system's KPIs.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../api/client";
import { when } from "../../api/format";
import { ErrorNotice, Empty, QueryState } from "../../components/StateViews";

function Users() {
  const users = useQuery({
    queryKey: ["admin", "users"],
    queryFn: () => api<Schemas["AdminUserOut"][]>("/v1/admin/users"),
  });
  return (
    <section className="panel" aria-labelledby="users">
      <h2 id="users">Users</h2>
      <QueryState query={users} what="Loading users">
        {(list) => (
          <table aria-label="Users"><thead><tr><th>Name</th><th>Email</th><th>Tier</th><th>Since</th></tr></thead>
            <tbody>{list.map((u) => <tr key={u.id}><td>{u.name}</td><td>{u.email ?? "—"}</td><td>{u.tier ?? "—"}</td><td>{when(u.created_at)}</td></tr>)}</tbody>
          </table>
        )}
      </QueryState>
    </section>
  );
}

function DeadLetters() {
  const client = useQueryClient();
  const dlq = useQuery({ queryKey: ["admin", "dlq"], queryFn: () => api<Schemas["DlqListing"]>("/v1/admin/dlq", { query: { limit: 100 } }) });
  const retry = useMutation({
    mutationFn: (id: string) => api<unknown>(`/v1/admin/dlq/${encodeURIComponent(id)}/retry`, { method: "POST" }),
    onSuccess: () => client.invalidateQueries({ queryKey: ["admin", "dlq"] }),
  });
  return (
    <section className="panel" aria-labelledby="dlq">
      <h2 id="dlq">Dead letters</h2>
      {retry.error && <ErrorNotice error={retry.error} />}
      <QueryState query={dlq} what="Loading dead letters">
        {(d) => d.entries.length === 0 ? <Empty title="No dead letters" /> : (
          <div className="scroll"><table aria-label="Dead letters">
            <thead><tr><th>Stage</th><th>Error</th><th>Attempts</th><th>When</th><th>Status</th><th><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>{d.entries.map((e) => (
              <tr key={e.id}><td>{e.stage}</td><td>{e.error_type}: {e.error_message}</td><td>{e.attempts}</td><td>{when(e.timestamp)}</td><td>{e.status}</td>
                <td>{e.status === "pending" && <button type="button" className="secondary" onClick={() => retry.mutate(e.id)}>Retry</button>}</td></tr>
            ))}</tbody>
          </table></div>
        )}
      </QueryState>
    </section>
  );
}

function SystemKpis() {
  const kpis = useQuery({ queryKey: ["admin", "kpis"], queryFn: () => api<Schemas["KpiOut"][]>("/v1/admin/kpis") });
  return (
    <section className="panel" aria-labelledby="kpis">
      <h2 id="kpis">System KPIs</h2>
      <QueryState query={kpis} what="Loading KPIs">
        {(list) => <>{list.map((k) => (
          <div key={k.name} style={{ marginBottom: "1rem" }}>
            <h3 style={{ fontSize: "1rem", marginBottom: ".2rem" }}>{k.description || k.name}</h3>
            {k.error ? <p role="alert">{k.error}</p> : k.rows.length === 0 ? <p className="muted">No data.</p> : (
              <div className="scroll"><table aria-label={k.name}><thead><tr>{k.columns.map((c) => <th key={c}>{c}</th>)}</tr></thead>
                <tbody>{k.rows.slice(0, 20).map((r, i) => <tr key={i}>{r.map((v, j) => <td key={j}>{String(v)}</td>)}</tr>)}</tbody></table></div>
            )}
          </div>
        ))}</>}
      </QueryState>
    </section>
  );
}

export function AdminPage() {
  return (<><h1>Administration</h1><Users /><DeadLetters /><SystemKpis /></>);
}
