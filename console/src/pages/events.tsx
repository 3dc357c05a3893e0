import { useEffect, useState } from 'react';
import { EmptyRow, ErrorNotice, Field, Link, Loading, PageHead } from '../components/ui.js';
import type { ConsoleEventsQuery, ConsoleKeyEventsSubscription } from '../gql/graphql.js';
import { request } from '../lib/api.js';
import { dateTime, relative } from '../lib/format.js';
import { useLoad } from '../lib/hooks.js';
import { subscribe } from '../lib/live.js';
import { EventsQuery, KeyEventsSubscription } from '../lib/ops.js';

type Ev = ConsoleKeyEventsSubscription['keyEvents'];

const FAMILIES = [
  { value: '', label: 'Every event' },
  { value: 'api_key.*', label: 'API keys' },
  { value: 'user.*', label: 'Users' },
  { value: 'role.*', label: 'Roles' },
  { value: 'webhook_endpoint.*', label: 'Webhook endpoints' },
  { value: 'organization.*', label: 'Organisations' },
];

/** What an event is about, in a few words, from its data (never a secret: events carry none). */
function subject(e: Ev): string {
  const d = (e.data ?? {}) as Record<string, { name?: string; url?: string } | undefined>;
  if (e.type === 'role.assigned') {
    const roles = ((e.data as { roles?: { name?: string }[] } | null)?.roles ?? []).map((r) => r.name).filter(Boolean);
    return `${d.user?.name ?? 'a user'}: ${roles.length ? roles.join(', ') : 'no roles'}`;
  }
  if (e.type === 'resource.defined') return d.resource?.name ?? '';
  return d.apiKey?.name ?? d.user?.name ?? d.role?.name ?? d.webhookEndpoint?.url ?? d.organization?.name ?? '';
}

function EventItem({ e, fresh }: { e: Ev; fresh?: boolean }) {
  return (
    <li className={fresh ? 'fresh' : undefined} data-event-type={e.type}>
      <div>
        <code>
          <strong>{e.type}</strong>
        </code>{' '}
        {subject(e)}
        {e.keyId && (
          <>
            {' '}
            <Link to={`/keys/${e.keyId}`}>open key</Link>
          </>
        )}
      </div>
      <div className="meta">
        <time dateTime={e.occurredAt} title={dateTime(e.occurredAt)}>
          {relative(e.occurredAt)}
        </time>{' '}
        · {e.id}
      </div>
      <details>
        <summary>Data</summary>
        <pre className="json">{JSON.stringify(e.data, null, 2)}</pre>
      </details>
    </li>
  );
}

/** Lifecycle events as they happen (graphql-ws subscription), and the recent history below. */
export function EventsPage() {
  const [family, setFamily] = useState('');
  const [live, setLive] = useState<Ev[]>([]);
  const [state, setState] = useState<'connecting' | 'live' | 'paused' | 'closed'>('connecting');
  const [error, setError] = useState<string | null>(null);
  const [paused, setPaused] = useState(false);
  const [shown, setShown] = useState(25);

  useEffect(() => {
    if (paused) {
      setState('paused');
      return;
    }
    setState('connecting');
    setError(null);
    // Callbacks of a subscription this effect already ended (a filter change) must not touch state.
    let active = true;
    const stop = subscribe(
      KeyEventsSubscription,
      { filter: family ? { types: [family] } : null },
      {
        connected: () => active && setState('live'),
        next: (d) => {
          if (!active) return;
          setState('live');
          setLive((l) => [d.keyEvents, ...l].slice(0, 100));
        },
        error: (m) => {
          if (!active) return;
          setState('closed');
          setError(m);
        },
        complete: () => active && setState('closed'),
      },
    );
    // Without a connected signal (an already open socket), the first event or a short wait says it.
    const t = setTimeout(() => setState((s) => (s === 'connecting' ? 'live' : s)), 1500);
    return () => {
      active = false;
      clearTimeout(t);
      stop();
    };
  }, [family, paused]);

  const history = useLoad(async () => {
    const since = new Date(Date.now() - 7 * 86_400_000).toISOString();
    const all: Ev[] = [];
    let after: string | null | undefined = null;
    // The feed runs oldest first; the console shows the newest, so it reads up to 500 of the last week.
    for (let i = 0; i < 5; i++) {
      const r: ConsoleEventsQuery['events'] = (await request(EventsQuery, { filter: { since, types: family ? [family] : null }, first: 100, after })).events;
      all.push(...r.edges.map((e) => e.node));
      if (!r.pageInfo.hasNextPage) break;
      after = r.pageInfo.endCursor;
    }
    return all.reverse();
  }, [family]);

  const liveIds = new Set(live.map((e) => e.id));
  const earlier = (history.data ?? []).filter((e) => !liveIds.has(e.id));
  return (
    <>
      <PageHead title="Live events" intro="Key, user, role and webhook changes in this organisation and its sub-accounts, as they happen." />
      <div className="filters">
        <Field label="Show">
          {(p) => (
            <select
              {...p}
              value={family}
              onChange={(e) => {
                setFamily(e.target.value);
                setLive([]);
              }}
            >
              {FAMILIES.map((f) => (
                <option key={f.value} value={f.value}>
                  {f.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="button" onClick={() => setPaused((p) => !p)} aria-pressed={paused}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <p className="hint" role="status" data-testid="live-status" style={{ margin: 0 }}>
          <span className={`status-dot ${state === 'live' ? 'on' : ''}`} aria-hidden="true" />
          {state === 'live' ? 'Live: new events appear at the top' : state === 'connecting' ? 'Connecting…' : state === 'paused' ? 'Paused' : 'Disconnected'}
        </p>
      </div>
      <ErrorNotice error={error} />
      <section aria-labelledby="live-h">
        <h2 id="live-h">Just now</h2>
        <ul className="events" aria-live="polite" aria-relevant="additions" data-testid="live-events">
          {live.length === 0 && <li className="empty">Waiting for events…</li>}
          {live.map((e) => (
            <EventItem key={e.id} e={e} fresh />
          ))}
        </ul>
      </section>
      <section aria-labelledby="history-h">
        <h2 id="history-h">Earlier (last 7 days)</h2>
        <ErrorNotice error={history.error} />
        {history.loading && !history.data ? (
          <Loading what="Loading events" />
        ) : (
          <div className="table-wrap">
            <table aria-label="Earlier events">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Event</th>
                  <th scope="col" className="hide-narrow">
                    About
                  </th>
                  <th scope="col" className="hide-narrow">
                    Data
                  </th>
                </tr>
              </thead>
              <tbody>
                {earlier.length === 0 && <EmptyRow colSpan={4}>No events.</EmptyRow>}
                {earlier.slice(0, shown).map((e) => (
                  <tr key={e.id}>
                    <td className="nowrap" title={dateTime(e.occurredAt)}>
                      {relative(e.occurredAt)}
                    </td>
                    <td>
                      <code>{e.type}</code>
                    </td>
                    <td className="hide-narrow">{e.keyId ? <Link to={`/keys/${e.keyId}`}>{subject(e) || 'key'}</Link> : subject(e)}</td>
                    <td className="hide-narrow">
                      <details>
                        <summary>{e.id}</summary>
                        <pre className="json">{JSON.stringify(e.data, null, 2)}</pre>
                      </details>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {earlier.length > shown && (
          <div className="actions">
            <button type="button" onClick={() => setShown((n) => n + 50)}>
              Show more
            </button>
          </div>
        )}
      </section>
    </>
  );
}
