import { useState } from 'react';
import { EmptyRow, ErrorNotice, Field, Loading, PageHead } from '../components/ui.js';
import type { ConsoleAuditLogQuery } from '../gql/graphql.js';
import { request } from '../lib/api.js';
import { dateTime } from '../lib/format.js';
import { useLoad } from '../lib/hooks.js';
import { AuditLogQuery } from '../lib/ops.js';

type Entry = ConsoleAuditLogQuery['auditLog']['edges'][number]['node'];

const PERIODS = [
  { days: 1, label: 'Last 24 hours' },
  { days: 7, label: 'Last 7 days' },
  { days: 30, label: 'Last 30 days' },
  { days: 90, label: 'Last 90 days' },
];

function Changes({ changes }: { changes: unknown }) {
  const c = (changes ?? {}) as Record<string, { old?: unknown; new?: unknown }>;
  const keys = Object.keys(c);
  if (!keys.length) return <span className="hint">—</span>;
  return (
    <details>
      <summary>{keys.length > 4 ? `${keys.slice(0, 3).join(', ')} and ${keys.length - 3} more` : keys.join(', ')}</summary>
      <pre className="json">{JSON.stringify(c, null, 2)}</pre>
    </details>
  );
}

/** The append-only audit log: who (user, and the key or console session) did what, newest first. */
export function AuditPage() {
  const [days, setDays] = useState(7);
  const [action, setAction] = useState('');
  const [query, setQuery] = useState('');
  const log = useLoad(async () => {
    const since = new Date(Date.now() - days * 86_400_000).toISOString();
    const all: Entry[] = [];
    let after: string | null | undefined = null;
    let truncated = false;
    for (let i = 0; i < 5; i++) {
      const r: ConsoleAuditLogQuery['auditLog'] = (await request(AuditLogQuery, { filter: { since, action: query || null }, first: 200, after })).auditLog;
      all.push(...r.edges.map((e) => e.node));
      truncated = r.pageInfo.hasNextPage;
      if (!truncated) break;
      after = r.pageInfo.endCursor;
    }
    return { entries: all.reverse(), truncated };
  }, [days, query]);

  return (
    <>
      <PageHead title="Audit log" intro="Every change, with the user and the key (or console session) that made it. Entries can never be changed or removed." />
      <form
        className="filters"
        role="search"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(action.trim());
        }}
      >
        <Field label="Period">
          {(p) => (
            <select {...p} value={days} onChange={(e) => setDays(Number(e.target.value))}>
              {PERIODS.map((x) => (
                <option key={x.days} value={x.days}>
                  {x.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Action">
          {(p) => <input {...p} type="search" placeholder="e.g. api_key.revoke" maxLength={100} value={action} onChange={(e) => setAction(e.target.value)} />}
        </Field>
        <button type="submit">Filter</button>
      </form>
      <ErrorNotice error={log.error} />
      {log.loading && !log.data ? (
        <Loading what="Loading the audit log" />
      ) : (
        <>
          {log.data?.truncated && <p className="notice info">Showing the newest 1,000 entries of the period.</p>}
          <div className="table-wrap">
            <table aria-label="Audit log">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">By</th>
                  <th scope="col" className="hide-narrow">
                    Target
                  </th>
                  <th scope="col" className="hide-narrow">
                    Changes
                  </th>
                </tr>
              </thead>
              <tbody>
                {(log.data?.entries ?? []).length === 0 && <EmptyRow colSpan={5}>No entries.</EmptyRow>}
                {(log.data?.entries ?? []).map((e) => (
                  <tr key={e.id}>
                    <td className="nowrap">{dateTime(e.occurredAt)}</td>
                    <td className="nowrap">
                      <code>{e.action}</code>
                    </td>
                    <td>
                      {e.actorKeyName ?? '—'}
                      {e.ip && <div className="hint">{e.ip}</div>}
                    </td>
                    <td className="hide-narrow">
                      {e.targetType}{' '}
                      {e.targetName ? (
                        <span title={e.targetId ?? undefined}>{e.targetName}</span>
                      ) : (
                        <code className="truncate" title={e.targetId ?? undefined}>
                          {e.targetId}
                        </code>
                      )}
                    </td>
                    <td className="hide-narrow">
                      <Changes changes={e.changes} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
