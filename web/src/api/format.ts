// Formatting shared by every page: money, percentages, dates, durations.

export function usd(value: string | number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || value === "") return "—";
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n)) return "—";
  const d = Math.abs(n) > 0 && Math.abs(n) < 0.01 ? 4 : digits;
  return n.toLocaleString("en-US", { style: "currency", currency: "USD", minimumFractionDigits: d, maximumFractionDigits: d });
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${Math.round(value * 1000) / 10}%`;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

export function day(iso: string): string {
  return iso.slice(0, 10);
}

export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function daysAgo(n: number): string {
  return isoDay(new Date(Date.now() - n * 86_400_000));
}

// ready_not_uploaded: the channel is not connected to YouTube, so the made video went nowhere.
// youtube_processing: published, and YouTube is still processing the upload (not watchable yet).
const STATUS_LABEL: Record<string, string> = { ready_not_uploaded: "ready (not uploaded)", youtube_processing: "YouTube processing" };

export function statusLabel(status: string): string {
  return STATUS_LABEL[status] ?? status.replaceAll("_", " ");
}
