// The centred card around the sign-in and sign-up forms.
import type { ReactNode } from "react";
import styles from "./AuthFrame.module.css";

export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className={styles.frame}>
      <div className={styles.card}>
        <p className={styles.brand}><span aria-hidden="true">▶</span> YTEmpire</p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}
