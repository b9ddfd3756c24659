// The one way the app talks to the gateway: same-origin /v1, session cookie plus the CSRF header
// on writes, and errors turned into a reason a person can read (and per-field reasons for 422).
import type { components } from "./schema";

export type Schemas = components["schemas"];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly fields: Record<string, string> = {},
    readonly retryAfterS: number | null = null,
  ) {
    super(reason);
  }
}

type Query = Record<string, string | number | boolean | null | undefined>;
interface Options {
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
}

const KEY_STORAGE = "ytempire.apiKey";

/** An API key typed on the sign-in page (for people who have one but no password yet). */
export const apiKey = {
  get: () => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string | null) =>
    key ? sessionStorage.setItem(KEY_STORAGE, key) : sessionStorage.removeItem(KEY_STORAGE),
};

export function readCookie(name: string): string | undefined {
  const found = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : undefined;
}

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export function authHeaders(method = "GET"): Record<string, string> {
  const headers: Record<string, string> = {};
  const key = apiKey.get();
  if (key) headers.Authorization = `Bearer ${key}`;
  const csrf = readCookie("ytempire_csrf");
  if (csrf && method !== "GET") headers["X-CSRF-Token"] = csrf;
  return headers;
}

export async function api<T>(path: string, options: Options = {}): Promise<T> {
  const method = options.method ?? "GET";
  const headers = authHeaders(method);
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (method === "POST") headers["Idempotency-Key"] = crypto.randomUUID();
  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), {
      method,
      headers,
      credentials: "same-origin",
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "The server cannot be reached. Check your connection and try again.");
  }
  if (!response.ok) throw await toError(response);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get("content-type") ?? "";
  return (type.includes("json") ? response.json() : response.text()) as Promise<T>;
}

export async function toError(response: Response): Promise<ApiError> {
  const retry = Number(response.headers.get("retry-after")) || null;
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (Array.isArray(detail)) {
    const fields: Record<string, string> = {};
    for (const item of detail as { loc?: unknown[]; msg?: string }[]) {
      // A list item's reason (loc ends in its index) belongs to the list's field.
      const loc = item.loc ?? [];
      let at = loc.length - 1;
      while (at > 0 && typeof loc[at] === "number") at -= 1;
      const field = String(loc[at] ?? "form");
      fields[field] = (item.msg ?? "is not valid").replace(/^Value error, /, "");
    }
    return new ApiError(response.status, "Some fields need attention.", fields, retry);
  }
  const reason = typeof detail === "string" ? detail : fallbackReason(response.status);
  return new ApiError(response.status, reason, {}, retry);
}

function fallbackReason(status: number): string {
  if (status === 401) return "Please sign in again.";
  if (status === 403) return "You are not allowed to do that.";
  if (status === 404) return "This does not exist, or it is not yours.";
  if (status === 429) return "Too many requests: wait a moment and try again.";
  if (status >= 500) return `The server had a problem (HTTP ${status}). Try again shortly.`;
  return `The request failed (HTTP ${status}).`;
}

export function reasonOf(error: unknown): string {
  if (error instanceof ApiError) return error.reason;
  return error instanceof Error ? error.message : "Something went wrong.";
}
