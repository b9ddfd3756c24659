import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createMemoryRouter, RouterProvider } from "react-router";
import { afterEach, vi } from "vitest";
import { LoginPage } from "./LoginPage";

afterEach(() => vi.unstubAllGlobals());

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

test("a throttled sign-in says why and when to try again", async () => {
  vi.stubGlobal("fetch", vi.fn(async (url: string) => url.endsWith("/auth/config")
    ? json(200, { signup: "open" })
    : json(429, { detail: "Too many failed sign-ins for this account." }, { "Retry-After": "30" })));
  const router = createMemoryRouter([{ path: "/login", element: <LoginPage /> }], { initialEntries: ["/login"] });
  render(<QueryClientProvider client={new QueryClient()}><RouterProvider router={router} /></QueryClientProvider>);
  await userEvent.type(await screen.findByLabelText("Email"), "a@example.com");
  await userEvent.type(screen.getByLabelText("Password"), "wrong-password");
  await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
  expect(await screen.findByRole("alert")).toHaveTextContent("Too many failed sign-ins for this account. (try again in 30 s)");
});
