// The user's channels with their status, and the way to add, edit, delete and restore them.
import { useState } from "react";
import { Link } from "react-router";
import { usd } from "../../api/format";
import { StatusChip } from "../../components/StatusChip";
import { Empty, ErrorNotice, QueryState } from "../../components/StateViews";
import { CHANNEL_LIMIT, channelStatus, useChannels, useDeleteChannel, usePauseChannel, useRestoreChannel, type Channel } from "./api";

function DeleteButton({ channel }: { channel: Channel }) {
  const remove = useDeleteChannel();
  const [asking, setAsking] = useState(false);
  if (!asking) return <button type="button" className="danger" onClick={() => setAsking(true)}>Delete</button>;
  return (
    <span role="group" aria-label={`Confirm deleting ${channel.name}`} className="row">
      <span>Delete “{channel.name}”? Its videos stay; you can restore it.</span>
      <button type="button" className="danger" disabled={remove.isPending} onClick={() => remove.mutate(channel.id)}>Yes, delete</button>
      <button type="button" className="secondary" onClick={() => setAsking(false)}>Keep it</button>
      {remove.error && <ErrorNotice error={remove.error} />}
    </span>
  );
}

function PauseButton({ channel }: { channel: Channel }) {
  const pause = usePauseChannel();
  const paused = channel.schedule_paused;
  return (
    <>
    <button type="button" className="secondary" disabled={pause.isPending}
            aria-label={`${paused ? "Resume" : "Pause"} ${channel.name}`}
            title={paused ? "Make videos at the schedule's slots again" : "Skip the schedule's slots until resumed"}
            onClick={() => pause.mutate({ id: channel.id, paused: !paused })}>
      {paused ? "Resume" : "Pause"}
    </button>
    {pause.error && <ErrorNotice error={pause.error} />}
    </>
  );
}

export function ChannelsPage() {
  const channels = useChannels(true);
  const restore = useRestoreChannel();
  const live = channels.data?.filter((c) => !c.deleted_at).length ?? 0;
  const full = live >= CHANNEL_LIMIT;
  return (
    <>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h1>Channels</h1>
        {full ? <span className="muted">Limit reached</span> : <Link to="/channels/new">Add a channel</Link>}
      </div>
      {full && (
        <p role="status" className="panel">
          Each account runs at most {CHANNEL_LIMIT} channels, so every one gets its share of the
          daily upload quota. Delete a channel you no longer use to add another.
        </p>
      )}
      {restore.error && <ErrorNotice error={restore.error} />}
      <QueryState query={channels} what="Loading channels">
        {(list) => list.length === 0 ? (
          <Empty title="No channels yet"><Link to="/channels/new">Create your first channel</Link> to start making videos.</Empty>
        ) : (
          <div className="panel scroll">
            <table>
              <thead><tr><th>Name</th><th>Status</th><th>Niche</th><th>Format</th><th>Schedule</th><th>Budget / video</th><th><span className="visually-hidden">Actions</span></th></tr></thead>
              <tbody>
                {list.map((c) => (
                  <tr key={c.id}>
                    <td>{c.deleted_at ? c.name : <Link to={`/channels/${c.id}`}>{c.name}</Link>}</td>
                    <td><StatusChip status={channelStatus(c)} /></td>
                    <td>{c.niche}</td>
                    <td>{c.format} · {c.target_duration_s} s</td>
                    <td>{c.publish_schedule ?? <span className="muted">manual</span>}</td>
                    <td>{usd(c.per_video_budget_usd)}</td>
                    <td>
                      {c.deleted_at ? (
                        <button type="button" className="secondary" disabled={restore.isPending || full}
                                onClick={() => restore.mutate(c.id)}>Restore</button>
                      ) : (
                        <span className="row">
                          {c.publish_schedule && <PauseButton channel={c} />}
                          <DeleteButton channel={c} />
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
    </>
  );
}
