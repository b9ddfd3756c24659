// ONE connection to /v1/events per tab, shared by every page: the header's indicator, the
// overview's feed and any page that wants to refresh when one of the user's videos changes.
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
    let invalidate: ReturnType<typeof setTimeout> | undefined;
    void follow("/v1/events", {
      onState: (next, why) => {
        setState(next);
        setDetail(why);
        if (next === "reconnecting") setReconnects((n) => n + 1);
      },
      onEvent: (event) => {
        setRecent((list) => [event, ...list].slice(0, KEEP));
        listeners.current.forEach((listener) => listener(event));
        clearTimeout(invalidate); // many events in a burst: refresh the pages' data once
        invalidate = setTimeout(() => {
          void client.invalidateQueries({ queryKey: ["videos"] });
          void client.invalidateQueries({ queryKey: ["overview"] });
          void client.invalidateQueries({ queryKey: ["notifications"] });
        }, 400);
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
