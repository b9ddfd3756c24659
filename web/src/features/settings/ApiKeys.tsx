// API keys for scripts and integrations: a new key's secret is shown once.
import { useState, type FormEvent } from "react";
import { api, type Schemas } from "../../api/client";
import { when } from "../../api/format";
import { Field } from "../../components/Field";
import { ErrorNotice, QueryState } from "../../components/StateViews";
import { useCall, useKeys } from "./api";

export function ApiKeys() {
  const keys = useKeys();
  const [name, setName] = useState("");
  const create = useCall((n: string) => api<Schemas["KeyIssued"]>("/v1/keys", { method: "POST", body: { name: n } }), [["keys"]]);
  const revoke = useCall((id: string) => api<void>(`/v1/keys/${id}`, { method: "DELETE" }), [["keys"]]);
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate(name.trim(), { onSuccess: () => setName("") });
  }
  return (
    <section className="panel" aria-labelledby="keys">
      <h2 id="keys">API keys</h2>
      {create.data && (
        <div role="status" style={{ background: "#e3f4e8", padding: ".7rem", borderRadius: 6, marginBottom: ".8rem" }}>
          <p style={{ margin: 0 }}>Copy this key now: it is not shown again.</p>
          <code aria-label="New API key">{create.data.key}</code>
        </div>
      )}
      <form onSubmit={submit} className="row" style={{ alignItems: "flex-end" }}>
        <Field label="Key name"><input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. zapier" /></Field>
        <button type="submit" disabled={!name.trim() || create.isPending} style={{ marginBottom: ".8rem" }}>Create key</button>
      </form>
      {create.error && <ErrorNotice error={create.error} />}
      {revoke.error && <ErrorNotice error={revoke.error} />}
      <QueryState query={keys} what="Loading keys">
        {(list) => (
          <table aria-label="API keys">
            <thead><tr><th>Name</th><th>Starts with</th><th>Created</th><th>Last used</th><th><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {list.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td><td><code>{k.prefix}…</code></td><td>{when(k.created_at)}</td><td>{when(k.last_used_at)}</td>
                  <td>{k.revoked_at ? <span className="muted">revoked</span> : (
                    <button type="button" className="danger" onClick={() => revoke.mutate(k.id)} aria-label={`Revoke key ${k.name}`}>Revoke</button>
                  )}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </section>
  );
}
