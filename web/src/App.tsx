// The routes. Pages other than the overview load on first visit, so the first page stays small.
import { lazy } from "react";
import { createBrowserRouter, Link, RouterProvider } from "react-router";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ApiError } from "./api/client";
import { Layout } from "./components/Layout";
import { Empty } from "./components/StateViews";
import { LoginPage } from "./features/auth/LoginPage";
import { OverviewPage } from "./features/overview/OverviewPage";

const page = <K extends string>(load: () => Promise<Record<K, React.ComponentType>>, name: K) =>
  lazy(async () => ({ default: (await load())[name] }));

const SignupPage = page(() => import("./features/auth/SignupPage"), "SignupPage");
const ChannelsPage = page(() => import("./features/channels/ChannelsPage"), "ChannelsPage");
const ChannelForm = page(() => import("./features/channels/ChannelForm"), "ChannelForm");
const ChannelEditPage = page(() => import("./features/channels/ChannelForm"), "ChannelEditPage");
const GeneratePage = page(() => import("./features/generate/GeneratePage"), "GeneratePage");
const VideosPage = page(() => import("./features/videos/VideosPage"), "VideosPage");
const VideoPage = page(() => import("./features/videos/VideoPage"), "VideoPage");
const CostsPage = page(() => import("./features/costs/CostsPage"), "CostsPage");
const PerformancePage = page(() => import("./features/performance/PerformancePage"), "PerformancePage");
const NotificationsPage = page(() => import("./features/notifications/NotificationsPage"), "NotificationsPage");
const SettingsPage = page(() => import("./features/settings/SettingsPage"), "SettingsPage");
const AdminPage = page(() => import("./features/admin/AdminPage"), "AdminPage");

function NotFound() {
  return <Empty title="There is no page here"><Link to="/">Go to the overview</Link></Empty>;
}

export const routes = [
  { path: "/login", element: <LoginPage /> },
  { path: "/signup", element: <SignupPage /> },
  {
    element: <Layout />,
    children: [
      { index: true, element: <OverviewPage /> },
      { path: "channels", element: <ChannelsPage /> },
      { path: "channels/new", element: <ChannelForm /> },
      { path: "channels/:id", element: <ChannelEditPage /> },
      { path: "generate", element: <GeneratePage /> },
      { path: "videos", element: <VideosPage /> },
      { path: "videos/:id", element: <VideoPage /> },
      { path: "costs", element: <CostsPage /> },
      { path: "performance", element: <PerformancePage /> },
      { path: "notifications", element: <NotificationsPage /> },
      { path: "settings", element: <SettingsPage /> },
      { path: "admin", element: <AdminPage /> },
      { path: "*", element: <NotFound /> },
    ],
  },
];

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      },
    },
  });
}

const router = createBrowserRouter(routes);

export function App() {
  return (
    <QueryClientProvider client={makeQueryClient()}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}
