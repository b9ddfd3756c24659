// Sign in with email and password (or, for API users, with a key kept for this tab only).
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { apiKey, api, ApiError, reasonOf } from "../../api/client";
import { Field, FormError } from "../../components/Field";
import { AuthFrame } from "./AuthFrame";
import { login, useSignupMode } from "./api";

export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const mode = useSignupMode();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = params.get("next")?.startsWith("/") ? params.get("next")! : "/";

  async function done() {
    await client.invalidateQueries();
    navigate(next, { replace: true });
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      apiKey.set(null);
      await login(email, password);
      await done();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 429 && err.retryAfterS
        ? `${err.reason} (try again in ${err.retryAfterS} s)` : reasonOf(err));
    } finally {
      setBusy(false);
    }
  }

  async function useKey(event: FormEvent) {
    event.preventDefault();
    setError(null);
    apiKey.set(key.trim());
    try {
      await api("/v1/me");
      await done();
    } catch (err) {
      apiKey.set(null);
      setError(err instanceof ApiError && err.status === 401 ? "That API key is not valid." : reasonOf(err));
    }
  }

  return (
    <AuthFrame title="Sign in to YTEmpire">
      <FormError message={error} />
      <form onSubmit={submit} noValidate>
          <Field label="Email">
            <input type="email" autoComplete="username" required value={email}
                   onChange={(e) => setEmail(e.target.value)} />
          </Field>
          <Field label="Password">
            <input type="password" autoComplete="current-password" required value={password}
                   onChange={(e) => setPassword(e.target.value)} />
          </Field>
          <button type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
          {mode.data && mode.data !== "closed" && (
            <p>New here? <Link to="/signup">Create an account</Link></p>
          )}
      </form>
      <details>
        <summary>Sign in with an API key instead</summary>
        <form onSubmit={useKey}>
          <Field label="API key" hint="Kept for this browser tab only.">
            <input type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} />
          </Field>
          <button type="submit" className="secondary" disabled={!key.trim()}>Use this key</button>
        </form>
      </details>
    </AuthFrame>
  );
}
