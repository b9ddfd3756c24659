import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createMemoryRouter, RouterProvider } from "react-router";
import { afterEach, vi } from "vitest";
import { ChannelsPage } from "./ChannelsPage";

afterEach(() => vi.unstubAllGlobals());

const channel = {
  id: "c1", name: "Deep Space", niche: "space", language: "en", voice: "", visual_style: "documentary",
  format: "16:9", target_duration_s: 60, quality_threshold: 70, per_video_budget_usd: "3.00",
  daily_budget_usd: "30.00", publish_schedule: "0 9 * * *", schedule_timezone: "UTC", videos_per_slot: 1,
  schedule_paused: true, topic_mode: "auto", auto_publish: true, privacy: "private",
  created_at: "2026-12-01T00:00:00Z", updated_at: "2026-12-01T00:00:00Z", deleted_at: null,
};

test("a paused channel says so and Resume unpauses its schedule through the API", async () => {
  let stored = { ...channel };
  const calls: { method: string; body: unknown }[] = [];
  vi.stubGlobal("fetch", vi.fn(async (url: string, init: RequestInit = {}) => {
    const method = init.method ?? "GET";
    if (method === "PATCH") {
      const body = JSON.parse(String(init.body));
      calls.push({ method, body });
      stored = { ...stored, ...body };
      return new Response(JSON.stringify(stored), { headers: { "content-type": "application/json" } });
    }
    expect(url).toContain("/v1/channels");
    return new Response(JSON.stringify([stored]), { headers: { "content-type": "application/json" } });
  }));
  const router = createMemoryRouter([{ path: "/channels", element: <ChannelsPage /> }], { initialEntries: ["/channels"] });
  render(<QueryClientProvider client={new QueryClient()}><RouterProvider router={router} /></QueryClientProvider>);
  const row = (await screen.findByRole("link", { name: "Deep Space" })).closest("tr")!;
  expect(within(row).getByText("paused")).toBeInTheDocument();
  await userEvent.click(within(row).getByRole("button", { name: "Resume Deep Space" }));
  expect(await within(row).findByRole("button", { name: "Pause Deep Space" })).toBeInTheDocument();
  expect(within(row).getByText("active")).toBeInTheDocument();
  expect(calls).toEqual([{ method: "PATCH", body: { schedule_paused: false } }]);
});
