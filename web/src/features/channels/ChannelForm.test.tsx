import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createMemoryRouter, RouterProvider } from "react-router";
import { afterEach, vi } from "vitest";
import { ChannelForm } from "./ChannelForm";

function renderForm() {
  const router = createMemoryRouter([{ path: "/channels/new", element: <ChannelForm /> }, { path: "/channels", element: <p>list</p> }],
    { initialEntries: ["/channels/new"] });
  render(<QueryClientProvider client={new QueryClient()}><RouterProvider router={router} /></QueryClientProvider>);
  return router;
}

afterEach(() => vi.unstubAllGlobals());

test("the API's reason appears next to the field it names and nothing navigates away", async () => {
  const body = { detail: [{ loc: ["body", "niche"], msg: "String should have at least 1 character", type: "string_too_short" }] };
  vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify(body), { status: 422, headers: { "content-type": "application/json" } })));
  const router = renderForm();
  await userEvent.type(screen.getByLabelText("Name"), "Deep Space");
  await userEvent.click(screen.getByRole("button", { name: "Create channel" }));
  const niche = screen.getByLabelText("Niche");
  expect(await screen.findByText("String should have at least 1 character")).toBeInTheDocument();
  expect(niche).toHaveAttribute("aria-invalid", "true");
  expect(niche).toHaveAccessibleDescription(expect.stringContaining("at least 1 character"));
  expect(router.state.location.pathname).toBe("/channels/new");
});

test("the schedule shows its next five slots, or says the expression is not valid", async () => {
  renderForm();
  expect(screen.getByRole("group", { name: "Next five slots" }).querySelectorAll("li")).toHaveLength(5);
  const schedule = screen.getByLabelText("Schedule (cron)");
  await userEvent.clear(schedule);
  await userEvent.type(schedule, "99 * * * *");
  expect(screen.getByText("This is not a five-field cron expression.")).toBeInTheDocument();
});

test("topic feeds are sent one per line, and the API's reason for one of them shows at the field", async () => {
  const sent: unknown[] = [];
  const body = { detail: [{ loc: ["body", "topic_feeds", 1], msg: "Value error, a feed URL needs http or https", type: "value_error" }] };
  vi.stubGlobal("fetch", vi.fn(async (_url: string, init: RequestInit) => {
    sent.push(JSON.parse(String(init.body)));
    return new Response(JSON.stringify(body), { status: 422, headers: { "content-type": "application/json" } });
  }));
  renderForm();
  await userEvent.type(screen.getByLabelText("Name"), "Deep Space");
  await userEvent.type(screen.getByLabelText("Topic feeds"), "https://example.com/space.xml{enter}{enter}  ftp://example.com/feed  ");
  await userEvent.click(screen.getByRole("button", { name: "Create channel" }));
  expect(await screen.findByText("a feed URL needs http or https")).toBeInTheDocument();
  expect(sent).toHaveLength(1);
  expect((sent[0] as { topic_feeds: string[] }).topic_feeds).toEqual(["https://example.com/space.xml", "ftp://example.com/feed"]);
  expect(screen.getByLabelText("Topic feeds")).toHaveAttribute("aria-invalid", "true");
});
