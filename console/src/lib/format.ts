const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const dtf = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

export function dateTime(iso: string | null | undefined): string {
  return iso ? dtf.format(new Date(iso)) : '—';
}

/** "3 hours ago", "in 12 days"; "never" for null. */
export function relative(iso: string | null | undefined, never = 'never'): string {
  if (!iso) return never;
  const diff = new Date(iso).getTime() - Date.now();
  const abs = Math.abs(diff);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
  ];
  for (const [unit, ms] of units) if (abs >= ms) return rtf.format(Math.round(diff / ms), unit);
  return diff < 0 ? 'just now' : 'in a moment';
}

export function daysFromNow(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString();
}

/** `datetime-local` value (local time) → ISO instant, or null when empty. */
export function localToIso(v: string): string | null {
  return v ? new Date(v).toISOString() : null;
}

export function titleCase(s: string): string {
  return s.charAt(0) + s.slice(1).toLowerCase().replace(/_/g, ' ');
}

/** Words kept in capitals when a code or field name becomes words. */
const ACRONYMS = new Set(['ip', 'ips', 'id', 'ids', 'url', 'api', 'csv']);
const cap = (w: string) => (ACRONYMS.has(w) ? (w.endsWith('s') && w.length > 2 ? `${w.slice(0, -1).toUpperCase()}s` : w.toUpperCase()) : w);

/** IP_NOT_ALLOWED → "IP not allowed"; USAGE_EXCEEDED → "Usage exceeded". */
export function codeLabel(code: string): string {
  const words = code.toLowerCase().split('_').map(cap);
  const first = words[0] ?? '';
  return [first.charAt(0).toUpperCase() + first.slice(1), ...words.slice(1)].join(' ');
}

/** An input path as a person reads it: `input.allowedIps.4` → "Allowed IPs, entry 5". */
export function fieldLabel(path: string): string {
  const parts = path
    .replace(/^input\./, '')
    .split('.')
    .map((p) =>
      /^\d+$/.test(p)
        ? `entry ${Number(p) + 1}`
        : p
            .replace(/([a-z])([A-Z])/g, '$1_$2')
            .toLowerCase()
            .split('_')
            .map(cap)
            .join(' '),
    );
  const text = parts.join(', ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A server message with its input paths made readable. */
export function humanMessage(message: string): string {
  return message.replace(/\binput\.[A-Za-z0-9_.]+/g, (p) => fieldLabel(p.replace(/\.$/, '')));
}
