// A Server-Sent-Events reader on fetch: it sends the session cookie (or the API key) and, on
// every reconnect, the Last-Event-ID of the last event seen, so nothing is missed or repeated.
import { authHeaders, toError } from "../../api/client";

export interface StreamEvent {
  id: number | null;
  /** "" for a block without data: nothing happened, only the position moved. */
  event: string;
  data: Record<string, unknown>;
}

export type Connection = "connecting" | "live" | "reconnecting" | "offline";

interface Handlers {
  onEvent: (event: StreamEvent) => void;
  onState: (state: Connection, detail?: string) => void;
}

/** Parses one SSE block ("id: 3\nevent: x\ndata: {...}"). A block without data (the
 *  stream's opening comment, a ping) is no event, but its id still moves the resume point. */
export function parseBlock(block: string): StreamEvent {
  let id: number | null = null;
  let event = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":") || line === "") continue;
    const colon = line.indexOf(":");
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (name === "id") id = Number(value);
    else if (name === "event") event = value;
    else if (name === "data") data.push(value);
  }
  if (data.length === 0) return { id, event: "", data: {} };
  try {
    return { id, event, data: JSON.parse(data.join("\n")) };
  } catch {
    return { id, event, data: { text: data.join("\n") } };
  }
}

/** Follows ``url`` until ``signal`` aborts, reconnecting with backoff (1 s doubling to 15 s). */
export async function follow(url: string, handlers: Handlers, signal: AbortSignal,
                             lastId: number | null = null): Promise<void> {
  let delay = 1000;
  let first = true;
  while (!signal.aborted) {
    handlers.onState(first ? "connecting" : "reconnecting");
    first = false;
    try {
      const headers: Record<string, string> = { Accept: "text/event-stream", ...authHeaders() };
      if (lastId !== null) headers["Last-Event-ID"] = String(lastId);
      const response = await fetch(url, { headers, credentials: "same-origin", signal });
      if (!response.ok || !response.body) {
        const error = await toError(response);
        if (response.status === 401 || response.status === 403 || response.status === 404) {
          handlers.onState("offline", error.reason);
          return;
        }
        throw error;
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (let opened = false; ;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (!opened) { // the server's opening comment: the stream flows, say so now
          opened = true;
          handlers.onState("live");
          delay = 1000;
        }
        buffer += value.replaceAll("\r\n", "\n");
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const parsed = parseBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (parsed.id !== null) lastId = parsed.id;
          if (parsed.event) handlers.onEvent(parsed);
          end = buffer.indexOf("\n\n");
        }
      }
      if (url.includes("/videos/")) return; // a video's stream ends when the video is finished
    } catch (error) {
      if (signal.aborted) return;
      handlers.onState("reconnecting", error instanceof Error ? error.message : undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 15_000);
  }
}
