// Webhooks: where events are sent, a test delivery, the delivery log and secret rotation.
// A test delivery opens the log, which follows it until the endpoint has answered.
import { useState, type FormEvent } from "react";
import { api, ApiError, type Schemas } from "../../api/client";
import { when } from "../../api/format";
import { Field } from "../../components/Field";
import { ErrorNotice, QueryState } from "../../components/StateViews";
import { useCall, useDeliveries, useWebhooks } from "./api";

function Deliveries({ id }: { id: string }) {
  const deliveries = useDeliveries(id);
  return (
    <QueryState query={deliveries} what="Loading deliveries">
      {(list) => list.length === 0 ? <p className="muted">No deliveries yet.</p> : (
        <table aria-label="Deliveries">
          <thead><tr><th>Event</th><th>Status</th><th>Attempts</th><th>HTTP</th><th>When</th></tr></thead>
          <tbody>{list.map((d) => (
            <tr key={d.id}><td>{d.event_type}</td><td>{d.status}</td><td>{d.attempts}</td><td>{d.last_status_code ?? d.last_error ?? "—"}</td><td>{when(d.delivered_at ?? d.created_at)}</td></tr>
          ))}</tbody>
        </table>
      )}
    </QueryState>
  );
}

function WebhookRow({ hook }: { hook: Schemas["WebhookOut"] }) {
  const [open, setOpen] = useState(false);
  const test = useCall(() => api<Schemas["DeliveryOut"]>(`/v1/webhooks/${hook.id}/test`, { method: "POST" }), [["webhooks", hook.id]]);
  const rotate = useCall(() => api<Schemas["WebhookIssued"]>(`/v1/webhooks/${hook.id}/rotate-secret`, { method: "POST" }), [["webhooks"]]);
  const remove = useCall(() => api<void>(`/v1/webhooks/${hook.id}`, { method: "DELETE" }), [["webhooks"]]);
  const error = test.error ?? rotate.error ?? remove.error;
  return (
    <li style={{ borderBottom: "1px solid var(--line)", padding: ".6rem 0" }}>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <span><code>{hook.url}</code> <span className="muted">{hook.events.join(", ")}</span></span>
        <span className="row">
          <button type="button" className="secondary" onClick={() => test.mutate(undefined, { onSuccess: () => setOpen(true) })}>Send test</button>
          <button type="button" className="secondary" onClick={() => rotate.mutate(undefined)}>Rotate secret</button>
          <button type="button" className="secondary" aria-expanded={open} onClick={() => setOpen(!open)}>Delivery log</button>
          <button type="button" className="danger" onClick={() => remove.mutate(undefined)}>Delete</button>
        </span>
      </div>
      {error && <ErrorNotice error={error} />}
      {test.isSuccess && <p role="status">Test delivery queued: its outcome shows in the delivery log.</p>}
      {rotate.data && (
        <p role="status">
          New secret (shown once): <code>{rotate.data.secret}</code>. For the overlap window (a day by
          default) deliveries are signed with the old secret too, so the receiver can switch without losing any.
        </p>
      )}
      {open && <Deliveries id={hook.id} />}
    </li>
  );
}

export function Webhooks() {
  const hooks = useWebhooks();
  const [url, setUrl] = useState("");
  const create = useCall((u: string) => api<Schemas["WebhookIssued"]>("/v1/webhooks", { method: "POST", body: { url: u, events: ["*"] } }), [["webhooks"]]);
  const fields = create.error instanceof ApiError ? create.error.fields : {};
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate(url.trim(), { onSuccess: () => setUrl("") });
  }
  return (
    <section className="panel" aria-labelledby="hooks">
      <h2 id="hooks">Webhooks</h2>
      <form onSubmit={submit} noValidate className="row" style={{ alignItems: "flex-end" }}>
        <Field label="Webhook URL" error={fields.url ?? (create.error && !Object.keys(fields).length ? (create.error as Error).message : undefined)}>
          <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://example.com/hooks/ytempire" size={40} />
        </Field>
        <button type="submit" disabled={!url.trim() || create.isPending} style={{ marginBottom: ".8rem" }}>Add webhook</button>
      </form>
      {create.data && <p role="status">Signing secret (shown once): <code>{create.data.secret}</code></p>}
      <QueryState query={hooks} what="Loading webhooks">
        {(list) => list.length === 0 ? <p className="muted">No webhooks yet.</p> : (
          <ul style={{ listStyle: "none", padding: 0, margin: 0 }}>{list.map((h) => <WebhookRow key={h.id} hook={h} />)}</ul>
        )}
      </QueryState>
    </section>
  );
}
