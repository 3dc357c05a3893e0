import { useId } from 'react';
import type { VerifyCode } from '../gql/graphql.js';
import { codeLabel } from '../lib/format.js';

export type UsagePoint = { start: string; code: VerifyCode; count: number };

export const CODE_COLOURS: Record<VerifyCode, string> = {
  VALID: '#047857',
  RATE_LIMITED: '#d97706',
  USAGE_EXCEEDED: '#92400e',
  INSUFFICIENT_PERMISSIONS: '#2563eb',
  UNKNOWN_PERMISSION: '#1e3a8a',
  IP_NOT_ALLOWED: '#be185d',
  REVOKED: '#b91c1c',
  EXPIRED: '#7c3aed',
  NOT_YET_VALID: '#0e7490',
  USER_DISABLED: '#475569',
  NOT_FOUND: '#6b7280',
  ROTATED: '#a16207',
  MALFORMED: '#9ca3af',
};

const label = codeLabel;

/**
 * Verifications per bucket, stacked by outcome, as plain SVG (no chart library: it would cost
 * more than the whole console). The totals per outcome are also given as text.
 */
export function UsageChart({ points, from, to, stepMs, caption }: { points: UsagePoint[]; from: Date; to: Date; stepMs: number; caption: string }) {
  const titleId = useId();
  const first = Math.floor(from.getTime() / stepMs) * stepMs;
  const buckets: { start: number; byCode: Map<VerifyCode, number>; total: number }[] = [];
  for (let t = first; t <= to.getTime(); t += stepMs) buckets.push({ start: t, byCode: new Map(), total: 0 });
  const totals = new Map<VerifyCode, number>();
  for (const p of points) {
    const t = new Date(p.start).getTime();
    const b = buckets[Math.floor((t - first) / stepMs)];
    if (!b) continue;
    b.byCode.set(p.code, (b.byCode.get(p.code) ?? 0) + p.count);
    b.total += p.count;
    totals.set(p.code, (totals.get(p.code) ?? 0) + p.count);
  }
  const max = Math.max(1, ...buckets.map((b) => b.total));
  const W = 720;
  const H = 180;
  const pad = 24;
  const bw = (W - pad) / buckets.length;
  const order = (Object.keys(CODE_COLOURS) as VerifyCode[]).filter((c) => totals.has(c));
  // A time axis: up to six ticks, as times of day for hourly or finer buckets, as dates for days.
  const tickFormat = new Intl.DateTimeFormat(undefined, stepMs >= 86_400_000 ? { month: 'short', day: 'numeric' } : { hour: '2-digit', minute: '2-digit' });
  const tickCount = Math.min(6, buckets.length);
  const ticks =
    tickCount < 2
      ? buckets.slice(0, 1).map((b) => ({ i: 0, b }))
      : Array.from({ length: tickCount }, (_, k) => Math.round((k * (buckets.length - 1)) / (tickCount - 1))).map((i) => ({ i, b: buckets[i]! }));
  const summary = order.length ? order.map((c) => `${totals.get(c)} ${label(c).toLowerCase()}`).join(', ') : 'no verifications';
  return (
    <figure style={{ margin: 0 }}>
      <svg className="chart" viewBox={`0 0 ${W} ${H + 20}`} role="img" aria-labelledby={titleId} preserveAspectRatio="none">
        <title id={titleId}>{`${caption}: ${summary}`}</title>
        <line x1={pad} y1={H} x2={W} y2={H} stroke="#9ca3af" />
        <text x={0} y={12} fontSize="11" fill="#4b5563">
          {max}
        </text>
        <text x={0} y={H} fontSize="11" fill="#4b5563">
          0
        </text>
        {ticks.map(({ i, b }) => (
          <text key={`t${b.start}`} x={pad + i * bw + bw / 2} y={H + 15} fontSize="11" fill="#4b5563" textAnchor="middle" data-testid="chart-tick">
            {tickFormat.format(new Date(b.start))}
          </text>
        ))}
        {buckets.map((b, i) => {
          let y = H;
          return (
            <g key={b.start}>
              {order.map((c) => {
                const n = b.byCode.get(c) ?? 0;
                if (!n) return null;
                const h = (n / max) * (H - 16);
                y -= h;
                return <rect key={c} x={pad + i * bw + 1} y={y} width={Math.max(1, bw - 2)} height={h} fill={CODE_COLOURS[c]} />;
              })}
            </g>
          );
        })}
      </svg>
      <figcaption className="hint">{caption}</figcaption>
      <ul className="legend" aria-label="Totals by outcome">
        {order.length === 0 && <li>No verifications in this period.</li>}
        {order.map((c) => (
          <li key={c}>
            <span className="swatch" style={{ background: CODE_COLOURS[c] }} aria-hidden="true" />
            {label(c)}: <strong>{totals.get(c)}</strong>
          </li>
        ))}
      </ul>
    </figure>
  );
}
