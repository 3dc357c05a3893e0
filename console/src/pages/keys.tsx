import { useState } from 'react';
import { EmptyRow, Badge, ErrorNotice, Field, Link, Loading, PageHead } from '../components/ui.js';
import type { ApiKeyKind, ApiKeyStatus, ConsoleApiKeysQuery } from '../gql/graphql.js';
import { request } from '../lib/api.js';
import { daysFromNow, relative } from '../lib/format.js';
import { useLoad, useViewer } from '../lib/hooks.js';
import { ApiKeysQuery } from '../lib/ops.js';
import { useLocation } from '../lib/router.js';

type Row = ConsoleApiKeysQuery['apiKeys']['edges'][number]['node'];

const PAGE = 50;

/** Keys of the organisation, filtered by kind, status, last use and expiry; integration keys listed apart. */
export function KeysPage() {
  const { can } = useViewer();
  const { search: params } = useLocation();
  const [kind, setKind] = useState<string>(params.get('kind') ?? '');
  const [status, setStatus] = useState<string>(params.get('status') ?? '');
  const [unusedDays, setUnusedDays] = useState<string>('');
  const [expiresDays, setExpiresDays] = useState<string>('');
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [more, setMore] = useState<{ rows: Row[]; after: string | null; hasNext: boolean } | null>(null);

  const filter = {
    kind: (kind || null) as ApiKeyKind | null,
    status: (status || null) as ApiKeyStatus | null,
    lastUsedBefore: unusedDays ? daysFromNow(-Number(unusedDays)) : null,
    expiresBefore: expiresDays ? daysFromNow(Number(expiresDays)) : null,
    search: query || null,
  };
  const keys = useLoad(async () => {
    setMore(null);
    return (await request(ApiKeysQuery, { filter, first: PAGE })).apiKeys;
  }, [kind, status, unusedDays, expiresDays, query]);

  const rows = [...(keys.data?.edges.map((e) => e.node) ?? []), ...(more?.rows ?? [])];
  const pageInfo = more ? { hasNextPage: more.hasNext, endCursor: more.after } : keys.data?.pageInfo;

  return (
    <>
      <PageHead title="API keys" intro="Each key acts as one user, with at most that user’s permissions.">
        {can('keys:write') && (
          <Link to="/keys/new" className="button primary">
            Create key
          </Link>
        )}
      </PageHead>
      <div className="tabs" role="group" aria-label="Key kinds">
        {[
          ['', 'Secret and publishable'],
          ['INTEGRATION', 'Integration keys'],
        ].map(([v, label]) => (
          <button key={v} type="button" aria-pressed={(v === 'INTEGRATION') === (kind === 'INTEGRATION')} onClick={() => setKind(v!)}>
            {label}
          </button>
        ))}
      </div>
      <form
        className="filters"
        role="search"
        aria-label="Filter keys"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(search.trim());
        }}
      >
        {kind !== 'INTEGRATION' && (
          <Field label="Kind">
            {(p) => (
              <select {...p} value={kind} onChange={(e) => setKind(e.target.value)}>
                <option value="">Secret and publishable</option>
                <option value="SECRET">Secret</option>
                <option value="PUBLISHABLE">Publishable</option>
              </select>
            )}
          </Field>
        )}
        <Field label="Status">
          {(p) => (
            <select {...p} value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">Any</option>
              <option value="ACTIVE">Active</option>
              <option value="REVOKED">Revoked</option>
              <option value="EXPIRED">Expired</option>
            </select>
          )}
        </Field>
        <Field label="Last used">
          {(p) => (
            <select {...p} value={unusedDays} onChange={(e) => setUnusedDays(e.target.value)}>
              <option value="">Any time</option>
              <option value="7">Not in the last 7 days</option>
              <option value="30">Not in the last 30 days</option>
              <option value="90">Not in the last 90 days</option>
            </select>
          )}
        </Field>
        <Field label="Expires">
          {(p) => (
            <select {...p} value={expiresDays} onChange={(e) => setExpiresDays(e.target.value)}>
              <option value="">Any time</option>
              <option value="1">Within a day</option>
              <option value="7">Within 7 days</option>
              <option value="30">Within 30 days</option>
            </select>
          )}
        </Field>
        <Field label="Search">
          {(p) => (
            <input {...p} type="search" placeholder="Name, description or start" value={search} maxLength={200} onChange={(e) => setSearch(e.target.value)} />
          )}
        </Field>
        <button type="submit">Search</button>
      </form>
      {params.get('created') && (
        <div className="notice success" role="status">
          Key created. It is listed below; its secret is not shown again.
        </div>
      )}
      <ErrorNotice error={keys.error} />
      {keys.loading && !keys.data ? (
        <Loading what="Loading keys" />
      ) : (
        <div className="table-wrap">
          <table aria-label="API keys" aria-busy={keys.loading}>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col" className="hide-narrow">
                  Kind
                </th>
                <th scope="col" className="hide-narrow">
                  Start
                </th>
                <th scope="col" className="hide-narrow">
                  User
                </th>
                <th scope="col">Last used</th>
                <th scope="col" className="hide-narrow">
                  Expires
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 && <EmptyRow colSpan={7}>No keys match.</EmptyRow>}
              {rows.map((k) => (
                <tr key={k.id} data-key-id={k.id}>
                  <td>
                    <Link to={`/keys/${k.id}`}>{k.name}</Link>
                  </td>
                  <td>
                    <Badge value={k.status} />
                  </td>
                  <td className="hide-narrow">
                    <Badge value={k.kind} tone="neutral" />
                  </td>
                  <td className="hide-narrow">
                    <code>{k.start}…</code>
                  </td>
                  <td className="hide-narrow">{k.user?.name ?? '—'}</td>
                  <td>{relative(k.lastUsedAt)}</td>
                  <td className="hide-narrow">{k.status === 'ACTIVE' ? relative(k.expiresAt, 'does not expire') : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pageInfo?.hasNextPage && (
        <div className="actions">
          <button
            type="button"
            onClick={async () => {
              const r = (await request(ApiKeysQuery, { filter, first: PAGE, after: pageInfo.endCursor })).apiKeys;
              setMore({ rows: [...(more?.rows ?? []), ...r.edges.map((e) => e.node)], after: r.pageInfo.endCursor ?? null, hasNext: r.pageInfo.hasNextPage });
            }}
          >
            Show more
          </button>
        </div>
      )}
      {!can('keys:read') && <p>You cannot see keys.</p>}
    </>
  );
}
