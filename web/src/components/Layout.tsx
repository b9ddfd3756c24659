// The frame around every signed-in page: brand, navigation, channel switcher, live status,
// unread notifications and the account menu.
import { Suspense, type ReactNode } from "react";
import { NavLink, Navigate, Outlet, useLocation, useNavigate, useSearchParams } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { apiKey, ApiError } from "../api/client";
import { isAdmin, logout, useMe } from "../features/auth/api";
import { ChannelSwitcher } from "../features/channels/ChannelSwitcher";
import { LiveIndicator } from "../features/live/LiveIndicator";
import { LiveProvider } from "../features/live/LiveProvider";
import { UnreadBadge } from "../features/notifications/UnreadBadge";
import { ErrorNotice, Loading } from "./StateViews";
import styles from "./Layout.module.css";

const PAGES = [
  ["/", "Overview"], ["/channels", "Channels"], ["/generate", "Generate"], ["/videos", "Videos"],
  ["/costs", "Costs"], ["/performance", "Performance"], ["/notifications", "Notifications"], ["/settings", "Settings"],
] as const;

function KeepChannelLink({ to, children }: { to: string; children: ReactNode }) {
  const [params] = useSearchParams();
  const channel = params.get("channel");
  return (
    <NavLink to={channel ? `${to}?channel=${channel}` : to} end={to === "/"}
             className={({ isActive }) => (isActive ? styles.active : undefined)}>
      {children}
    </NavLink>
  );
}

export function Layout() {
  const me = useMe();
  const location = useLocation();
  const navigate = useNavigate();
  const client = useQueryClient();
  if (me.isPending) return <main className={styles.main}><Loading what="Signing you in" /></main>;
  if (me.error instanceof ApiError && me.error.status === 401) {
    return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  }
  if (me.error || !me.data) return <main className={styles.main}><ErrorNotice error={me.error} onRetry={() => void me.refetch()} /></main>;

  async function signOut() {
    try {
      if (!apiKey.get()) await logout();
    } finally {
      apiKey.set(null);
      client.clear();
      navigate("/login");
    }
  }

  return (
    <LiveProvider>
      <a href="#content" className={styles.skip}>Skip to content</a>
      <header className={styles.header}>
        <div className={styles.top}>
          <span className={styles.brand}><span aria-hidden="true">▶</span> YTEmpire</span>
          <ChannelSwitcher />
          <span className={styles.spacer} />
          <LiveIndicator />
          <UnreadBadge />
          <span className={styles.user}>{me.data.name}</span>
          <button type="button" className="secondary" onClick={() => void signOut()}>Sign out</button>
        </div>
        <nav aria-label="Main" className={styles.nav}>
          {PAGES.map(([to, label]) => <KeepChannelLink key={to} to={to}>{label}</KeepChannelLink>)}
          {isAdmin(me.data) && <KeepChannelLink to="/admin">Admin</KeepChannelLink>}
        </nav>
      </header>
      <main id="content" className={styles.main} tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
    </LiveProvider>
  );
}
