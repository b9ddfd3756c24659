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
      <span aria-hidden="true">🔔</span>
      {count > 0 && <span className={styles.badge} aria-hidden="true">{count > 99 ? "99+" : count}</span>}
    </Link>
  );
}
