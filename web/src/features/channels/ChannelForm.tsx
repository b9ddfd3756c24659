// Create or edit a channel. Every field shows the API's reason next to it; nothing is saved
// unless the whole channel is valid.
import { useMemo, useState, type FormEvent } from "react";
import { useNavigate, useParams } from "react-router";
import { ApiError, reasonOf } from "../../api/client";
import { Field, FormError } from "../../components/Field";
import { QueryState } from "../../components/StateViews";
import { TopicBacklog } from "./TopicBacklog";
import { useChannel, useSaveChannel, type Channel, type ChannelInput } from "./api";
import { nextSlots } from "./cron";
import styles from "./ChannelForm.module.css";

const BLANK: ChannelInput = {
  name: "", niche: "", language: "en", voice: "", visual_style: "documentary", format: "16:9",
  target_duration_s: 60, quality_threshold: 70, per_video_budget_usd: "3.00", daily_budget_usd: "30.00",
  publish_schedule: "0 9 * * 1-5", auto_publish: true, privacy: "private",
  schedule_timezone: Intl.DateTimeFormat().resolvedOptions().timeZone, videos_per_slot: 1,
  schedule_paused: false, topic_mode: "auto", topic_feeds: [],
};

function fromChannel(c: Channel): ChannelInput {
  const { id: _id, created_at: _c, updated_at: _u, deleted_at: _d, ...rest } = c;
  return { ...BLANK, ...rest } as ChannelInput;
}

export function ChannelEditPage() {
  const { id } = useParams();
  const channel = useChannel(id);
  return (
    <QueryState query={channel} what="Loading the channel">
      {(c) => (
        <>
          <ChannelForm initial={fromChannel(c)} id={c.id} />
          <TopicBacklog channelId={c.id} />
        </>
      )}
    </QueryState>
  );
}

export function ChannelForm({ initial = BLANK, id }: { initial?: ChannelInput; id?: string }) {
  const navigate = useNavigate();
  const save = useSaveChannel(id);
  const [form, setForm] = useState<ChannelInput>(initial);
  const [timezone, setTimezone] = useState(initial.schedule_timezone);
  const [feeds, setFeeds] = useState((initial.topic_feeds ?? []).join("\n"));
  const error = save.error instanceof ApiError ? save.error : null;
  const fields = error?.fields ?? {};
  const set = <K extends keyof ChannelInput>(name: K, value: ChannelInput[K]) => setForm({ ...form, [name]: value });
  const text = (name: keyof ChannelInput) => ({
    value: String(form[name] ?? ""),
    onChange: (e: { target: { value: string } }) => set(name, e.target.value as never),
  });
  const number = (name: keyof ChannelInput) => ({
    type: "number", value: String(form[name] ?? ""),
    onChange: (e: { target: { value: string } }) => set(name, (e.target.value === "" ? "" : Number(e.target.value)) as never),
  });
  const schedule = form.publish_schedule;
  const slots = useMemo(() => (schedule ? nextSlots(schedule, 5, timezone) : []), [schedule, timezone]);

  function submit(event: FormEvent) {
    event.preventDefault();
    const topic_feeds = feeds.split("\n").map((line) => line.trim()).filter(Boolean);
    const body = { ...form, schedule_timezone: timezone, publish_schedule: form.publish_schedule || null, topic_feeds };
    save.mutate(body, { onSuccess: () => navigate("/channels") });
  }

  return (
    <form onSubmit={submit} noValidate className={styles.form}>
      <h1>{id ? `Edit ${initial.name}` : "New channel"}</h1>
      <FormError message={save.error ? (error && Object.keys(fields).length ? error.reason : reasonOf(save.error)) : null} />
      <div className={styles.grid}>
        <fieldset className="panel">
          <legend>What it is about</legend>
          <Field label="Name" error={fields.name}><input {...text("name")} /></Field>
          <Field label="Niche" error={fields.niche} hint="The subject its videos cover, e.g. “space history”."><input {...text("niche")} /></Field>
          <Field label="Language" error={fields.language} hint="Two-letter code, e.g. en."><input {...text("language")} /></Field>
          <Field label="Voice" error={fields.voice} hint="Leave empty for the default voice of the language."><input {...text("voice")} /></Field>
          <Field label="Visual style" error={fields.visual_style}><input {...text("visual_style")} /></Field>
          <Field label="Topic feeds" error={fields.topic_feeds}
                 hint="RSS or Atom feeds whose new entries become topic ideas, one URL per line (up to 10).">
            <textarea rows={3} value={feeds} onChange={(e) => setFeeds(e.target.value)} />
          </Field>
        </fieldset>
        <fieldset className="panel">
          <legend>Videos</legend>
          <Field label="Format" error={fields.format}>
            <select value={form.format} onChange={(e) => set("format", e.target.value as ChannelInput["format"])}>
              <option value="16:9">Landscape 16:9</option>
              <option value="9:16">Short 9:16</option>
            </select>
          </Field>
          <Field label="Duration (seconds)" error={fields.target_duration_s}><input {...number("target_duration_s")} min={10} /></Field>
          <Field label="Quality threshold (0-100)" error={fields.quality_threshold} hint="Videos scoring below it are held for you to review.">
            <input {...number("quality_threshold")} min={0} max={100} />
          </Field>
          <Field label="Budget per video (USD)" error={fields.per_video_budget_usd}><input {...text("per_video_budget_usd")} inputMode="decimal" /></Field>
          <Field label="Daily budget (USD)" error={fields.daily_budget_usd}><input {...text("daily_budget_usd")} inputMode="decimal" /></Field>
        </fieldset>
        <fieldset className="panel">
          <legend>Publishing</legend>
          <Field label="Schedule (cron)" error={fields.publish_schedule ?? (form.publish_schedule && !slots ? "This is not a five-field cron expression." : undefined)}
                 hint="minute hour day month weekday; empty publishes as soon as a video is ready.">
            <input {...text("publish_schedule")} />
          </Field>
          <Field label="Time zone" error={fields.schedule_timezone}><input value={timezone} onChange={(e) => setTimezone(e.target.value)} /></Field>
          {slots && slots.length > 0 && (
            <div aria-label="Next five slots" role="group" className={styles.slots}>
              <strong>Next five slots</strong>
              <ol>{slots.map((d) => <li key={d.getTime()}>{d.toLocaleString("en-GB", { timeZone: timezone, dateStyle: "full", timeStyle: "short" })}</li>)}</ol>
            </div>
          )}
          <Field label="Privacy" error={fields.privacy}>
            <select value={form.privacy} onChange={(e) => set("privacy", e.target.value as ChannelInput["privacy"])}>
              <option value="private">Private</option><option value="unlisted">Unlisted</option><option value="public">Public</option>
            </select>
          </Field>
          <label className="row"><input type="checkbox" checked={form.auto_publish} onChange={(e) => set("auto_publish", e.target.checked)} /> Publish automatically when a video passes quality</label>
        </fieldset>
      </div>
      <div className="row">
        <button type="submit" disabled={save.isPending}>{save.isPending ? "Saving…" : id ? "Save changes" : "Create channel"}</button>
        <button type="button" className="secondary" onClick={() => navigate("/channels")}>Cancel</button>
      </div>
    </form>
  );
}
