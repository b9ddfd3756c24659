// A labelled form control with its hint and the API's reason shown right next to it.
import { cloneElement, useId, type ReactElement } from "react";
import styles from "./Field.module.css";

interface Props {
  label: string;
  error?: string;
  hint?: string;
  children: ReactElement<Record<string, unknown>>;
}

export function Field({ label, error, hint, children }: Props) {
  const id = useId();
  const describedBy = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(" ");
  return (
    <div className={styles.field}>
      <label htmlFor={id}>{label}</label>
      {cloneElement(children, {
        id,
        "aria-invalid": error ? true : undefined,
        "aria-describedby": describedBy || undefined,
      })}
      {hint && <span id={`${id}-hint`} className={styles.hint}>{hint}</span>}
      {error && <span id={`${id}-error`} className={styles.error}>{error}</span>}
    </div>
  );
}

export function FormError({ message }: { message?: string | null }) {
  return message ? <p role="alert" className={styles.formError}>{message}</p> : null;
}
