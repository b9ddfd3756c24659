// Spend per day as bars (Recharts; this page is loaded on its own, so the first page stays small).
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { Schemas } from "../../api/client";

export function SpendByDayChart({ rows }: { rows: Schemas["SpendRow"][] }) {
  const data = rows.map((r) => ({ day: r.key.slice(5, 10), usd: Number(r.usd) }));
  return (
    <figure style={{ margin: 0, height: 220 }} aria-label="Chart of spend per day; the table below has the same figures">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="day" fontSize={12} />
          <YAxis fontSize={12} tickFormatter={(v: number) => `$${v}`} width={56} />
          <Tooltip formatter={(v) => [`$${Number(v).toFixed(4)}`, "Spend"]} />
          <Bar dataKey="usd" fill="#c62828" radius={[3, 3, 0, 0]} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
