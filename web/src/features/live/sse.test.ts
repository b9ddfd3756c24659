import { follow, parseBlock, type Connection } from "./sse";

test("an event block gives its id, name and JSON data", () => {
  expect(parseBlock('id: 7\nevent: voice.ready\ndata: {"video_id":"v1"}')).toEqual({
    id: 7, event: "voice.ready", data: { video_id: "v1" },
  });
});

test("a comment is no event but its id still moves the resume point", () => {
  expect(parseBlock(": ping")).toEqual({ id: null, event: "", data: {} });
  expect(parseBlock(": open\nid: 42")).toEqual({ id: 42, event: "", data: {} });
});

/** A response whose body the test writes chunk by chunk. */
function openStream() {
  let push!: (text: string) => void;
  let end!: () => void;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      push = (text) => controller.enqueue(new TextEncoder().encode(text));
      end = () => controller.close();
    },
  });
  return { response: new Response(body, { headers: { "Content-Type": "text/event-stream" } }), push, end };
}

test("the stream is live on its opening comment and a reconnect resumes from its id", async () => {
  const first = openStream();
  const second = openStream();
  const sent: Headers[] = [];
  vi.stubGlobal("fetch", vi.fn(async (_url: string, init: RequestInit) => {
    sent.push(new Headers(init.headers));
    return sent.length === 1 ? first.response : second.response;
  }));
  const states: Connection[] = [];
  const events: string[] = [];
  const abort = new AbortController();
  const done = follow("/v1/events", {
    onState: (state) => states.push(state),
    onEvent: (event) => events.push(event.event),
  }, abort.signal);
  try {
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(states).toEqual(["connecting"]);
    first.push(": open\nid: 42\n\n");
    await vi.waitFor(() => expect(states).toEqual(["connecting", "live"]));
    expect(events).toEqual([]);
    first.end(); // dropped before any event: the reconnect still knows where it was
    await vi.waitFor(() => expect(sent).toHaveLength(2), { timeout: 3000 });
    expect(sent[0].get("Last-Event-ID")).toBeNull();
    expect(sent[1].get("Last-Event-ID")).toBe("42");
    second.push(': open\nid: 42\n\nid: 43\nevent: voice.ready\ndata: {"video_id":"v1"}\n\n');
    await vi.waitFor(() => expect(events).toEqual(["voice.ready"]));
    expect(states.slice(2)).toEqual(["reconnecting", "live"]);
  } finally {
    abort.abort();
    second.end();
    await done;
    vi.unstubAllGlobals();
  }
});
