import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { afterEach, vi } from "vitest";
import { VideoActions } from "./VideoActions";
import type { Video } from "./api";

afterEach(() => vi.unstubAllGlobals());

const ready = { id: "v1", status: "ready_not_uploaded" } as Video;

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

test("a video ready but not uploaded is published once its channel is connected, and says why not before", async () => {
  const answers = [
    json(409, { detail: "video v1 is ready but its channel is not connected to YouTube: connect the channel (or set it local only), then publish" }),
    json(200, { ...ready, status: "processing" }),
  ];
  const calls: string[] = [];
  vi.stubGlobal("fetch", vi.fn(async (url: string, init: RequestInit = {}) => {
    calls.push(`${init.method} ${url}`);
    return answers.shift()!;
  }));
  render(<QueryClientProvider client={new QueryClient()}><VideoActions video={ready} /></QueryClientProvider>);
  expect(screen.getByText(/not connected to YouTube/)).toBeInTheDocument();
  await userEvent.click(screen.getByRole("button", { name: "Publish now" }));
  expect(await screen.findByText(/connect the channel \(or set it local only\), then publish/)).toBeInTheDocument();
  await userEvent.click(screen.getByRole("button", { name: "Publish now" }));
  await vi.waitFor(() => expect(calls).toEqual(["POST /v1/videos/v1/publish", "POST /v1/videos/v1/publish"]));
  expect(screen.queryByRole("button", { name: "Approve" })).not.toBeInTheDocument();
});
