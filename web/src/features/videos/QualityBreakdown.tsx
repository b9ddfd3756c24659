// How the quality check scored the video, against which threshold, and why.
import type { Video } from "./api";

export function QualityBreakdown({ video }: { video: Video }) {
  const q = video.quality;
  return (
    <section className="panel" aria-labelledby="quality">
      <h2 id="quality">Quality</h2>
      {!q ? <p className="muted">Not scored yet.</p> : (
        <>
          <p><strong style={{ fontSize: "1.5rem" }}>{q.score.toFixed(0)}</strong> / 100 · threshold {q.threshold} ·{" "}
            <strong style={{ color: q.passed ? "var(--ok)" : "var(--bad)" }}>{q.passed ? "passed" : "below threshold"}</strong></p>
          {q.reasons.length > 0 ? <ul>{q.reasons.map((r) => <li key={r}>{r}</li>)}</ul> : <p className="muted">No remarks.</p>}
        </>
      )}
    </section>
  );
}
