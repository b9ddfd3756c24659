// The header's link to notifications with the number not yet read.
import { Link } from "react-router";
import { useUnreadCount } from "./api";
import styles from "./UnreadBadge.module.css";

export function UnreadBadge() {
  const unread = useUnreadCount();
  const count = unread.data ?? 0;
  return (
    <Link to="/notifications" className={styles.link}
          aria-label={count ? `Notifications, ${count} unread` : "Notifications"}>
      <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
        <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" /><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
      </svg>
      {count > 0 && <span className={styles.badge} aria-hidden="true">{count > 99 ? "99+" : count}</span>}
    </Link>
  );
}
