// ONE connection to /v1/events per tab, shared by every page: the header's indicator, the
// overview's feed and any page that wants to refresh when one of the user's videos changes.
// A video event refreshes the video and overview data, a notice the notifications; after a
// reconnect all three are read again (notices are not resumed by Last-Event-ID).
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { follow, type Connection, type StreamEvent } from "./sse";

interface Live {
  state: Connection;
  detail?: string;
  reconnects: number;
  recent: StreamEvent[];
  subscribe: (listener: (event: StreamEvent) => void) => () => void;
}

const LiveContext = createContext<Live | null>(null);
const KEEP = 40;

export function LiveProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const listeners = useRef(new Set<(event: StreamEvent) => void>());
  const [state, setState] = useState<Connection>("connecting");
  const [detail, setDetail] = useState<string>();
  const [reconnects, setReconnects] = useState(0);
  const [recent, setRecent] = useState<StreamEvent[]>([]);

  useEffect(() => {
    const abort = new AbortController();
    const stale = new Set<string>();
    let invalidate: ReturnType<typeof setTimeout> | undefined;
    const refresh = (...keys: string[]) => { // many events in a burst: refresh each key once
      keys.forEach((key) => stale.add(key));
      clearTimeout(invalidate);
      invalidate = setTimeout(() => {
        stale.forEach((key) => void client.invalidateQueries({ queryKey: [key] }));
        stale.clear();
      }, 400);
    };
    let dropped = false;
    void follow("/v1/events", {
      onState: (next, why) => {
        setState(next);
        setDetail(why);
        if (next === "reconnecting") {
          dropped = true;
          setReconnects((n) => n + 1);
        } else if (next === "live" && dropped) {
          dropped = false;
          refresh("videos", "overview", "notifications");
        }
      },
      onEvent: (event) => {
        setRecent((list) => [event, ...list].slice(0, KEEP));
        listeners.current.forEach((listener) => listener(event));
        if (event.event === "notice") refresh("notifications");
        else refresh("videos", "overview");
      },
    }, abort.signal);
    return () => {
      clearTimeout(invalidate);
      abort.abort();
    };
  }, [client]);

  const subscribe = (listener: (event: StreamEvent) => void) => {
    listeners.current.add(listener);
    return () => void listeners.current.delete(listener);
  };
  return (
    <LiveContext.Provider value={{ state, detail, reconnects, recent, subscribe }}>
      {children}
    </LiveContext.Provider>
  );
}

export function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error("useLive outside LiveProvider");
  return live;
}
