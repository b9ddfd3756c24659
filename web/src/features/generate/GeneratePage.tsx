// Ask for one or many videos: topics, channel, format, duration, with the cost and budget check
// from the API shown before anything is spent; the requested videos then show their progress.
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { ApiError, reasonOf } from "../../api/client";
import { usd } from "../../api/format";
import { Field, FormError } from "../../components/Field";
import { Empty, ErrorNotice, Loading } from "../../components/StateViews";
import { useChannelFilter, useChannels } from "../channels/api";
import { VideoProgressList } from "../videos/VideoProgressList";
import { BATCH_LIMIT, useEstimate, useRequestVideos } from "./api";

export function GeneratePage() {
  const channels = useChannels();
  const [filter] = useChannelFilter();
  const [channelId, setChannelId] = useState(filter);
  const [topics, setTopics] = useState("");
  const [format, setFormat] = useState("");
  const [duration, setDuration] = useState("");
  const request = useRequestVideos();
  const list = topics.split("\n").map((t) => t.trim()).filter(Boolean);
  const chosen = channelId || channels.data?.[0]?.id || "";
  const durationS = duration ? Number(duration) : null;
  const estimate = useEstimate(chosen, list.length, durationS);
  const error = request.error instanceof ApiError ? request.error : null;
  const tooMany = list.length > BATCH_LIMIT;

  function submit(event: FormEvent) {
    event.preventDefault();
    request.mutate(list.map((topic) => ({
      channel_id: chosen, topic, format: (format || null) as "16:9" | "9:16" | null,
      target_duration_s: durationS, category_id: "27", made_for_kids: false,
    })), { onSuccess: () => setTopics("") });
  }

  if (channels.isPending) return <Loading what="Loading channels" />;
  if (channels.error) return <ErrorNotice error={channels.error} onRetry={() => void channels.refetch()} />;
  if (channels.data.length === 0)
    return <Empty title="No channel to publish to"><Link to="/channels/new">Create a channel</Link> first.</Empty>;
  return (
    <>
      <h1>Generate videos</h1>
      <form onSubmit={submit} noValidate className="panel">
        <FormError message={request.error ? reasonOf(request.error) : null} />
        <Field label="Topics" hint={`One per line, up to ${BATCH_LIMIT}. ${list.length} topic(s).`}
               error={tooMany ? `At most ${BATCH_LIMIT} topics in one request.` : error?.fields.topic}>
          <textarea rows={5} value={topics} onChange={(e) => setTopics(e.target.value)}
                    placeholder={"Why octopuses have three hearts\nThe first photograph of a black hole"} style={{ width: "100%" }} />
        </Field>
        <div className="row" style={{ alignItems: "flex-start" }}>
          <Field label="Channel" error={error?.fields.channel_id}>
            <select value={chosen} onChange={(e) => setChannelId(e.target.value)}>
              {channels.data.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
            </select>
          </Field>
          <Field label="Format" error={error?.fields.format}>
            <select value={format} onChange={(e) => setFormat(e.target.value)}>
              <option value="">Channel default</option><option value="16:9">Landscape 16:9</option><option value="9:16">Short 9:16</option>
            </select>
          </Field>
          <Field label="Duration (seconds)" error={error?.fields.target_duration_s} hint="Empty: channel default.">
            <input type="number" min={15} value={duration} onChange={(e) => setDuration(e.target.value)} />
          </Field>
        </div>
        <section aria-label="Estimate" aria-live="polite" style={{ marginBottom: ".8rem" }}>
          {list.length === 0 ? <p className="muted">Type a topic to see what it will cost.</p>
            : estimate.error ? <ErrorNotice error={estimate.error} />
            : estimate.data ? (
              <p>
                Estimated <strong>{usd(estimate.data.total_usd)}</strong> for {estimate.data.count} video(s)
                ({usd(estimate.data.per_video_usd)} each).{" "}
                {estimate.data.fits_budget
                  ? <span style={{ color: "var(--ok)" }}>Within the channel's budgets.</span>
                  : <strong style={{ color: "var(--bad)" }}>Over budget: per video {usd(estimate.data.per_video_budget_usd)}, daily {usd(estimate.data.daily_budget_usd)} with {usd(estimate.data.committed_last_24h_usd)} already committed today.</strong>}
              </p>
            ) : <Loading what="Estimating" />}
        </section>
        <button type="submit" disabled={request.isPending || list.length === 0 || tooMany || estimate.data?.fits_budget === false}>
          {request.isPending ? "Requesting…" : `Generate ${list.length || ""} video${list.length === 1 ? "" : "s"}`}
        </button>
      </form>
      {request.data && (
        <section className="panel" aria-labelledby="requested">
          <h2 id="requested">Requested</h2>
          <VideoProgressList ids={request.data.videos.map((v) => v.id)} />
        </section>
      )}
    </>
  );
}
