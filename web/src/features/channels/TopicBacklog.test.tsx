import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { afterEach, vi } from "vitest";
import { TopicBacklog } from "./TopicBacklog";

const topic = (id: string, title: string, status: string, score: number | null) => ({
  topic_id: id, title, source: "offline", ref: "", score, parts: score === null ? {} : { trend: 0, fit: 1, novelty: 1 },
  reasons: ["fits 100% of the niche"], refused: "", decision: "", status, used_by: null, used_at: null,
});
const backlog = (topics: unknown[]) => ({ channel_id: "c1", mode: "manual", scored_at: null, topics });
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

function renderBacklog() {
  render(<QueryClientProvider client={new QueryClient()}><TopicBacklog channelId="c1" /></QueryClientProvider>);
}

afterEach(() => vi.unstubAllGlobals());

test("topics show their score parts and reasons, and approving one posts to its route", async () => {
  const fetch = vi.fn(async (_url: string, init?: RequestInit) => {
    if (init?.method === "POST") return json(backlog([topic("a1", "Moons of Jupiter", "approved", 0.5)]));
    return json(backlog([topic("a1", "Moons of Jupiter", "candidate", 0.5)]));
  });
  vi.stubGlobal("fetch", fetch);
  renderBacklog();
  const row = (await screen.findByText("Moons of Jupiter")).closest("tr")!;
  expect(within(row).getByText(/trend 0.00 · fit 1.00 · novelty 1.00/)).toBeInTheDocument();
  expect(within(row).getByText("fits 100% of the niche")).toBeInTheDocument();
  await userEvent.click(within(row).getByRole("button", { name: "Approve “Moons of Jupiter”" }));
  expect(await within(row).findByText("approved")).toBeInTheDocument();
  expect(fetch).toHaveBeenLastCalledWith("/v1/channels/c1/backlog/a1/approve", expect.objectContaining({ method: "POST" }));
  expect(within(row).queryByRole("button", { name: /^Approve/ })).toBeNull();
});

test("a title the API refuses shows its reason", async () => {
  vi.stubGlobal("fetch", vi.fn(async (_url: string, init?: RequestInit) => init?.method === "POST"
    ? json({ detail: "the title has no letters or digits" }, 422) : json(backlog([]))));
  renderBacklog();
  expect(await screen.findByText("No topics yet")).toBeInTheDocument();
  await userEvent.type(screen.getByLabelText("Add a topic"), "?!?");
  await userEvent.click(screen.getByRole("button", { name: "Add" }));
  expect(await screen.findByRole("alert")).toHaveTextContent("the title has no letters or digits");
});
