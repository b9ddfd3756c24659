import { render, screen } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createMemoryRouter, RouterProvider } from "react-router";
import { afterEach, vi } from "vitest";
import { PerformancePage } from "./PerformancePage";

afterEach(() => vi.unstubAllGlobals());

function json(body: unknown) {
  return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
}

const totals = { videos_measured: 1, views: 190, watch_hours: 3.7, average_view_percentage: 42.5, subscribers_gained: 4,
  revenue_usd: "0.80", cost_usd: "0.50", roi_usd: "0.30", roi_ratio: 1.6, rpm_usd: 4.21, cost_per_1000_views_usd: 2.63 };

function show(analytics: unknown) {
  vi.stubGlobal("fetch", vi.fn(async (url: string) => url.includes("/analytics")
    ? json(analytics) : json([{ id: "c1", name: "Deep Space" }])));
  const router = createMemoryRouter([{ path: "/performance", element: <PerformancePage /> }],
    { initialEntries: ["/performance?channel=c1"] });
  render(<QueryClientProvider client={new QueryClient()}><RouterProvider router={router} /></QueryClientProvider>);
}

test("a connected channel shows the figures YouTube reported and its ROI", async () => {
  show({ channel_id: "c1", connection: "connected", detail: null, start: "2026-11-01", end: "2026-11-28", totals,
    best_videos: [{ video_id: "v1", topic: "Bees", views: 190, revenue_usd: "0.80", cost_usd: "0.50", roi_usd: "0.30" }],
    worst_videos: [], topics: [], cohorts: [] });
  expect(await screen.findByRole("cell", { name: "Bees" })).toBeInTheDocument();
  expect(screen.getByRole("region", { name: "Totals" })).toHaveTextContent("190");
  expect(screen.getByRole("region", { name: "Totals" })).toHaveTextContent("$0.30");
});

test("a channel that is not connected says so and shows no numbers", async () => {
  show({ channel_id: "c1", connection: "not_connected", detail: "this channel is not connected to YouTube",
    start: "2026-11-01", end: "2026-11-28", totals: null, best_videos: [], worst_videos: [], topics: [], cohorts: [] });
  expect(await screen.findByText("Not connected")).toBeInTheDocument();
  expect(screen.getByText("this channel is not connected to YouTube")).toBeInTheDocument();
  expect(screen.queryByRole("region", { name: "Totals" })).toBeNull();
});
