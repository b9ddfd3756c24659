import { render, screen } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter } from "react-router";
import { afterEach, vi } from "vitest";
import { UnreadBadge } from "../notifications/UnreadBadge";
import { LiveProvider } from "./LiveProvider";

afterEach(() => vi.unstubAllGlobals());

test("a notice on the live stream refreshes the unread count, without polling", async () => {
  let unread = 0;
  let push!: (text: string) => void;
  const stream = new ReadableStream<Uint8Array>({
    start: (controller) => { push = (text) => controller.enqueue(new TextEncoder().encode(text)); },
  });
  const fetch = vi.fn(async (url: string) => url === "/v1/events"
    ? new Response(stream, { headers: { "content-type": "text/event-stream" } })
    : new Response(JSON.stringify({ unread }), { headers: { "content-type": "application/json" } }));
  vi.stubGlobal("fetch", fetch);
  render(
    <QueryClientProvider client={new QueryClient()}>
      <MemoryRouter><LiveProvider><UnreadBadge /></LiveProvider></MemoryRouter>
    </QueryClientProvider>,
  );
  expect(await screen.findByRole("link", { name: "Notifications" })).toBeInTheDocument();
  push(": open\nid: 5\n\n");
  unread = 1;
  push('event: notice\ndata: {"id": 9, "kind": "cost.alert", "data": {}}\n\n');
  expect(await screen.findByRole("link", { name: "Notifications, 1 unread" })).toBeInTheDocument();
  expect(fetch.mock.calls.filter(([url]) => String(url).includes("unread-count"))).toHaveLength(2);
});
