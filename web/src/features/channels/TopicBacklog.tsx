// A channel's topic backlog: what its slots will take, best first, with each score's parts and
// reasons; approve, skip or pin a topic, or add one by hand.
import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../api/client";
import { Empty, ErrorNotice, QueryState } from "../../components/StateViews";

type Backlog = Schemas["BacklogOut"];
type Topic = Schemas["BacklogTopicOut"];
type Action = "approve" | "skip" | "pin";

const ACTIONS: { action: Action; label: string; hides: Topic["status"][] }[] = [
  { action: "pin", label: "Pin", hides: ["pinned"] },
  { action: "approve", label: "Approve", hides: ["approved"] },
  { action: "skip", label: "Skip", hides: ["skipped"] },
];

function useBacklog(channelId: string) {
  const client = useQueryClient();
  const key = ["backlog", channelId];
  const query = useQuery({ queryKey: key, queryFn: () => api<Backlog>(`/v1/channels/${channelId}/backlog`) });
  const done = (data: Backlog) => client.setQueryData(key, data);
  const decide = useMutation({
    mutationFn: ({ topic, action }: { topic: string; action: Action }) =>
      api<Backlog>(`/v1/channels/${channelId}/backlog/${topic}/${action}`, { method: "POST" }),
    onSuccess: done,
  });
  const add = useMutation({
    mutationFn: (title: string) => api<Backlog>(`/v1/channels/${channelId}/backlog`, { method: "POST", body: { title } }),
    onSuccess: done,
  });
  return { query, decide, add };
}

function Score({ topic }: { topic: Topic }) {
  if (topic.score === null || topic.score === undefined) return <span className="muted">not scored yet</span>;
  const parts = Object.entries(topic.parts).map(([name, value]) => `${name} ${value.toFixed(2)}`).join(" · ");
  return <span title={parts}>{topic.score.toFixed(2)} <span className="muted">({parts})</span></span>;
}

export function TopicBacklog({ channelId }: { channelId: string }) {
  const { query, decide, add } = useBacklog(channelId);
  const [title, setTitle] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate(title, { onSuccess: () => setTitle("") });
  };
  return (
    <section aria-labelledby="backlog-heading" className="panel">
      <h2 id="backlog-heading">Topic backlog</h2>
      <form onSubmit={submit} className="row">
        <label htmlFor="backlog-title">Add a topic</label>
        <input id="backlog-title" value={title} onChange={(e) => setTitle(e.target.value)} />
        <button type="submit" disabled={add.isPending}>Add</button>
      </form>
      {add.error && <ErrorNotice error={add.error} />}
      {decide.error && <ErrorNotice error={decide.error} />}
      <QueryState query={query} what="Loading the backlog">
        {(backlog) => backlog.topics.length === 0 ? (
          <Empty title="No topics yet">Give the channel a schedule and topics appear here; or add one.</Empty>
        ) : (
          <>
            <p className="muted">Mode: {backlog.mode === "auto" ? "auto (the best approved or candidate topic)" : "manual (approved topics only)"}</p>
            <div className="scroll">
              <table>
                <thead><tr><th>Topic</th><th>Status</th><th>Score</th><th>Why</th><th><span className="visually-hidden">Actions</span></th></tr></thead>
                <tbody>
                  {backlog.topics.map((t) => (
                    <tr key={t.topic_id}>
                      <td>{t.title}</td>
                      <td>{t.status}</td>
                      <td><Score topic={t} /></td>
                      <td>{t.refused || t.reasons.join("; ")}</td>
                      <td>
                        {t.status !== "used" && t.status !== "refused" && ACTIONS.filter((a) => !a.hides.includes(t.status)).map((a) => (
                          <button key={a.action} type="button" className="secondary" disabled={decide.isPending}
                                  aria-label={`${a.label} “${t.title}”`}
                                  onClick={() => decide.mutate({ topic: t.topic_id, action: a.action })}>{a.label}</button>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </QueryState>
    </section>
  );
}
