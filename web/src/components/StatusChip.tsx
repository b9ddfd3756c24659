// A video's status as a coloured chip with words (colour is never the only signal).
import { statusLabel } from "../api/format";
import styles from "./StatusChip.module.css";

const TONE: Record<string, string> = {
  published: styles.ok, uploaded: styles.ok, awaiting_publish: styles.warn, ready_not_uploaded: styles.warn,
  youtube_processing: styles.warn,
  failed: styles.bad, rejected: styles.bad, quality_rejected: styles.bad, cancelled: styles.muted,
  active: styles.ok, paused: styles.warn, deleted: styles.muted,
};

export function StatusChip({ status }: { status: string }) {
  return <span className={`${styles.chip} ${TONE[status] ?? styles.info}`}>{statusLabel(status)}</span>;
}
