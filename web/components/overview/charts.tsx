"use client";

import { useRouter } from "next/navigation";
import { Bar, BarChart, CartesianGrid, Cell, Legend, Pie, PieChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { RISK_COLORS } from "@/components/badges";
import { RISK_LEVELS, type Analytics } from "@/lib/types";

const LEGEND_ORDER = [...RISK_LEVELS, "UNRATED"];

// Clicking a bar or a slice opens the reviews of that risk level (the lists beside the charts
// carry the same links for keyboards and screen readers).

export function DailyChart({ daily }: { daily: Analytics["daily"] }) {
  const router = useRouter();
  const rows = daily.map((day) => ({
    date: day.date.slice(5),
    ...Object.fromEntries(RISK_LEVELS.map((level) => [level, day.by_risk[level] ?? 0])),
    UNRATED: Math.max(0, day.reviews - RISK_LEVELS.reduce((sum, level) => sum + (day.by_risk[level] ?? 0), 0)),
  }));
  return (
    <div className="h-64 w-full" role="img" aria-label="Stacked bar chart of daily reviews by risk level">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ left: -20, right: 8, top: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} className="stroke-border" />
          <XAxis dataKey="date" tick={{ fontSize: 11 }} tickLine={false} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11 }} tickLine={false} />
          <Tooltip contentStyle={{ background: "var(--popover)", color: "var(--popover-foreground)", borderColor: "var(--border)" }} />
          <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={(item) => LEGEND_ORDER.indexOf(String(item.value))} />
          {RISK_LEVELS.map((level) => (
            <Bar key={level} dataKey={level} stackId="risk" fill={RISK_COLORS[level]} isAnimationActive={false} cursor="pointer" onClick={() => router.push(`/reviews?risk_level=${level}`)} />
          ))}
          <Bar dataKey="UNRATED" stackId="risk" fill="#94a3b8" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function RiskChart({ byRisk }: { byRisk: Record<string, number> }) {
  const router = useRouter();
  const rows = RISK_LEVELS.map((level) => ({ name: level, value: byRisk[level] ?? 0 })).filter((row) => row.value > 0);
  return (
    <div className="h-48 w-full" role="img" aria-label={`Risk distribution: ${RISK_LEVELS.map((l) => `${l} ${byRisk[l] ?? 0}`).join(", ")}`}>
      <ResponsiveContainer width="100%" height="100%">
        <PieChart>
          <Pie data={rows} dataKey="value" nameKey="name" innerRadius="55%" outerRadius="85%" isAnimationActive={false}>
            {rows.map((row) => (
              <Cell key={row.name} fill={RISK_COLORS[row.name as keyof typeof RISK_COLORS]} cursor="pointer" onClick={() => router.push(`/reviews?risk_level=${row.name}`)} />
            ))}
          </Pie>
          <Tooltip contentStyle={{ background: "var(--popover)", color: "var(--popover-foreground)", borderColor: "var(--border)" }} />
        </PieChart>
      </ResponsiveContainer>
    </div>
  );
}
