// One figure on the overview with its label and a short note.
import styles from "./OverviewPage.module.css";

export function StatCard({ label, value, note, warn }: { label: string; value: string | number; note?: string; warn?: boolean }) {
  return (
    <div className={styles.card} role="group" aria-label={label}>
      <span className={styles.label}>{label}</span>
      <span className={styles.value}>{value}</span>
      {note && <span className={warn ? styles.warn : styles.note}>{note}</span>}
    </div>
  );
}
