// Create an account when the server allows it (open, or with an invitation).
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { ApiError, reasonOf } from "../../api/client";
import { Field, FormError } from "../../components/Field";
import { Loading } from "../../components/StateViews";
import { AuthFrame } from "./AuthFrame";
import { signup, useSignupMode } from "./api";

export function SignupPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const mode = useSignupMode();
  const [form, setForm] = useState({ name: "", email: "", password: "", invite_token: params.get("invite") ?? "" });
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (name: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [name]: e.target.value });

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setFields({});
    try {
      await signup({ ...form, invite_token: form.invite_token || undefined });
      await client.invalidateQueries();
      navigate("/", { replace: true });
    } catch (err) {
      if (err instanceof ApiError) setFields(err.fields);
      setError(reasonOf(err));
    } finally {
      setBusy(false);
    }
  }

  if (mode.isPending) return <AuthFrame title="Create an account"><Loading /></AuthFrame>;
  if (mode.data === "closed")
    return (
      <AuthFrame title="Create an account">
        <p role="status">Sign-up is closed on this server. Ask its administrator for an account.</p>
        <Link to="/login">Back to sign in</Link>
      </AuthFrame>
    );
  return (
    <AuthFrame title="Create an account">
      <FormError message={error} />
      <form onSubmit={submit} noValidate>
        <Field label="Name" error={fields.name}>
          <input autoComplete="name" value={form.name} onChange={set("name")} />
        </Field>
        <Field label="Email" error={fields.email}>
          <input type="email" autoComplete="username" value={form.email} onChange={set("email")} />
        </Field>
        <Field label="Password" error={fields.password} hint="At least 10 characters.">
          <input type="password" autoComplete="new-password" value={form.password} onChange={set("password")} />
        </Field>
        {mode.data === "invite" && (
          <Field label="Invitation code" error={fields.invite_token}>
            <input value={form.invite_token} onChange={set("invite_token")} />
          </Field>
        )}
        <button type="submit" disabled={busy}>{busy ? "Creating…" : "Create account"}</button>
      </form>
      <p>Already have an account? <Link to="/login">Sign in</Link></p>
    </AuthFrame>
  );
}
