// The header's channel picker: every page shows only the chosen channel's data.
import { useChannelFilter, useChannels } from "./api";

export function ChannelSwitcher() {
  const channels = useChannels();
  const [channel, setChannel] = useChannelFilter();
  return (
    <label className="row">
      <span className="visually-hidden">Channel shown</span>
      <select value={channel} onChange={(e) => setChannel(e.target.value)} aria-label="Channel shown"
              disabled={!channels.data}>
        <option value="">All channels</option>
        {channels.data?.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
      </select>
    </label>
  );
}
