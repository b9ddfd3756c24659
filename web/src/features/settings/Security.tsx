// Password change and the signed-in sessions, each revocable.
import { useState, type FormEvent } from "react";
import { api, ApiError, reasonOf } from "../../api/client";
import { when } from "../../api/format";
import { Field } from "../../components/Field";
import { ErrorNotice, QueryState } from "../../components/StateViews";
import { useCall, useSessions } from "./api";

export function PasswordForm() {
  const [form, setForm] = useState({ current_password: "", new_password: "" });
  const change = useCall((body: typeof form) => api<void>("/v1/me/password", { method: "POST", body }), [["sessions"]]);
  const fields = change.error instanceof ApiError ? change.error.fields : {};
  function submit(event: FormEvent) {
    event.preventDefault();
    change.mutate(form, { onSuccess: () => setForm({ current_password: "", new_password: "" }) });
  }
  return (
    <form onSubmit={submit} noValidate className="panel" aria-labelledby="password">
      <h2 id="password">Password</h2>
      {change.error && !Object.keys(fields).length && <p role="alert" style={{ color: "var(--bad)" }}>{reasonOf(change.error)}</p>}
      <Field label="Current password" error={fields.current_password}>
        <input type="password" autoComplete="current-password" value={form.current_password} onChange={(e) => setForm({ ...form, current_password: e.target.value })} />
      </Field>
      <Field label="New password" error={fields.new_password} hint="Other sessions are signed out.">
        <input type="password" autoComplete="new-password" value={form.new_password} onChange={(e) => setForm({ ...form, new_password: e.target.value })} />
      </Field>
      <button type="submit" disabled={change.isPending || !form.current_password || !form.new_password}>Change password</button>
      {change.isSuccess && <span role="status"> Password changed.</span>}
    </form>
  );
}

export function Sessions() {
  const sessions = useSessions();
  const revoke = useCall((id: string) => api<void>(`/v1/me/sessions/${id}`, { method: "DELETE" }), [["sessions"]]);
  return (
    <section className="panel" aria-labelledby="sessions">
      <h2 id="sessions">Sessions</h2>
      {revoke.error && <ErrorNotice error={revoke.error} />}
      <QueryState query={sessions} what="Loading sessions">
        {(list) => (
          <table aria-label="Sessions">
            <thead><tr><th>Device</th><th>Address</th><th>Signed in</th><th>Last seen</th><th><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>{list.map((s) => (
              <tr key={s.id}>
                <td>{s.user_agent ?? "unknown"}{s.current && <strong> (this one)</strong>}</td><td>{s.address ?? "—"}</td>
                <td>{when(s.created_at)}</td><td>{when(s.last_seen_at)}</td>
                <td>{!s.current && <button type="button" className="danger" onClick={() => revoke.mutate(s.id)}>Sign out</button>}</td>
              </tr>
            ))}</tbody>
          </table>
        )}
      </QueryState>
    </section>
  );
}
