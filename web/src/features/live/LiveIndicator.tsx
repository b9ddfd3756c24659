// The header's dot saying whether live updates flow, and that they resume after a drop.
import { useLive } from "./LiveProvider";
import styles from "./LiveIndicator.module.css";

const LABEL = { connecting: "Connecting", live: "Live", reconnecting: "Reconnecting", offline: "Offline" };

export function LiveIndicator() {
  const { state, detail, reconnects } = useLive();
  const title = [detail, reconnects ? `${reconnects} reconnect(s), resumed from the last event seen` : ""]
    .filter(Boolean).join(" · ");
  return (
    <span className={styles.indicator} role="status" aria-live="polite" title={title || undefined}
          data-state={state}>
      <span className={`${styles.dot} ${styles[state]}`} aria-hidden="true" />
      {LABEL[state]}
    </span>
  );
}
