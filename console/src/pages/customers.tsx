import { useState } from 'react';
import { ConfirmDialog, EmptyRow, ErrorNotice, Field, Loading, PageHead, CreatePanel } from '../components/ui.js';
import { ok, request } from '../lib/api.js';
import { download, toCsv } from '../lib/csv.js';
import { useLoad, useSubmit, useViewer } from '../lib/hooks.js';
import { CreateCustomerMutation, CreditUsageQuery, CustomersQuery, DeleteCustomerMutation } from '../lib/ops.js';

/** The first day of this month and of the next, UTC, as yyyy-mm-dd (the billing period's defaults). */
function monthBounds(): { from: string; to: string } {
  const now = new Date();
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
}

/** Customers: the organisation's own customers, their shared limits and credit pools, and the credits they spent (CSV for billing). */
export function CustomersPage() {
  const viewer = useViewer();
  const [search, setSearch] = useState('');
  const customers = useLoad(async () => (await request(CustomersQuery, { first: 200, filter: { search: search.trim() || null } })).customers, [search]);
  const [externalId, setExternalId] = useState('');
  const [name, setName] = useState('');
  const [credits, setCredits] = useState('');
  const [deleting, setDeleting] = useState<{ id: string; name: string } | null>(null);
  const [period, setPeriod] = useState(monthBounds);
  const create = useSubmit();
  const act = useSubmit();
  const writable = viewer.can('customers:write');

  const exportCsv = () =>
    void act.run(async () => {
      const list = customers.data?.edges.map((e) => e.node) ?? [];
      const from = new Date(`${period.from}T00:00:00Z`).toISOString();
      const to = new Date(`${period.to}T00:00:00Z`).toISOString();
      const rows: (string | number)[][] = [];
      for (const c of list) {
        const points = (await request(CreditUsageQuery, { filter: { customerId: c.id, from, to, granularity: 'DAY' } })).creditUsage;
        for (const p of points) rows.push([c.externalId, c.name, p.start.slice(0, 10), p.credits]);
      }
      download(`credit-usage-${period.from}-to-${period.to}.csv`, toCsv(['external_id', 'customer', 'day', 'credits'], rows));
    });

  return (
    <>
      <PageHead
        title="Customers"
        intro="Your own customers: their keys can share a rate limit and draw on one credit pool. Export what they spent to bill from."
      />
      <ErrorNotice error={customers.error ?? act.error} />
      <div className="row">
        <Field label="Search">{(p) => <input {...p} type="search" maxLength={200} value={search} onChange={(e) => setSearch(e.target.value)} />}</Field>
      </div>
      {customers.loading && !customers.data ? (
        <Loading what="Loading customers" />
      ) : (
        <div className="table-wrap">
          <table aria-label="Customers">
            <caption className="hint" style={{ textAlign: 'left' }}>
              {customers.data?.totalCount ?? 0} customers
            </caption>
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">External id</th>
                <th scope="col">Credit pool</th>
                <th scope="col">Shared rate limit</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {(customers.data?.edges ?? []).length === 0 && <EmptyRow colSpan={5}>No customers yet.</EmptyRow>}
              {(customers.data?.edges ?? []).map(({ node: c }) => (
                <tr key={c.id}>
                  <td>
                    <strong>{c.name}</strong>
                  </td>
                  <td>
                    <code>{c.externalId}</code>
                  </td>
                  <td>{c.credits ?? 'No pool'}</td>
                  <td>{c.rateLimit ? `${c.rateLimit.limit} per ${c.rateLimit.windowSeconds} s` : 'None'}</td>
                  <td>
                    {writable && (
                      <button type="button" aria-label={`Delete customer ${c.name}`} onClick={() => setDeleting(c)}>
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {viewer.can('usage:read') && (
        <section className="panel" aria-labelledby="billing-h" style={{ marginTop: '1rem' }}>
          <h2 id="billing-h" style={{ marginTop: 0 }}>
            Credits spent (for billing)
          </h2>
          <p className="hint">Per customer and day (UTC), exactly what verification consumed, as CSV.</p>
          <div className="row">
            <Field label="From (UTC day)">
              {(p) => <input {...p} type="date" value={period.from} onChange={(e) => setPeriod({ ...period, from: e.target.value })} />}
            </Field>
            <Field label="To (UTC day, exclusive)">
              {(p) => <input {...p} type="date" value={period.to} onChange={(e) => setPeriod({ ...period, to: e.target.value })} />}
            </Field>
          </div>
          <button type="button" onClick={exportCsv} disabled={act.busy || !customers.data?.edges.length}>
            Export CSV
          </button>
        </section>
      )}

      {writable && (
        <CreatePanel
          id="new-customer"
          title="Add a customer"
          submitLabel="Add customer"
          state={create}
          onSubmit={async () => {
            ok(
              (
                await request(CreateCustomerMutation, {
                  input: { externalId: externalId.trim(), name: name.trim(), credits: credits.trim() === '' ? null : Number(credits) },
                })
              ).createCustomer,
              'CreateCustomerSuccess',
            );
            setExternalId('');
            setName('');
            setCredits('');
            customers.reload();
          }}
        >
          <div className="row">
            <Field label="Name" error={create.fields.name}>
              {(p) => <input {...p} type="text" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />}
            </Field>
            <Field label="External id" hint="Your own id for this customer (unique)." error={create.fields.externalId}>
              {(p) => <input {...p} type="text" required maxLength={200} value={externalId} onChange={(e) => setExternalId(e.target.value)} />}
            </Field>
            <Field label="Credit pool" hint="Shared by all its keys; empty: none." error={create.fields.credits}>
              {(p) => <input {...p} type="number" min={0} value={credits} onChange={(e) => setCredits(e.target.value)} />}
            </Field>
          </div>
        </CreatePanel>
      )}
      <ConfirmDialog
        open={!!deleting}
        title={`Delete the customer ${deleting?.name ?? ''}?`}
        confirmLabel="Delete customer"
        danger
        busy={act.busy}
        onCancel={() => setDeleting(null)}
        onConfirm={() =>
          void act.run(async () => {
            ok((await request(DeleteCustomerMutation, { input: { id: deleting!.id } })).deleteCustomer, 'DeleteCustomerSuccess');
            setDeleting(null);
            customers.reload();
          })
        }
      >
        <p>Its keys keep working; they belong to no customer and share no limits from now on. Its credit spend stays in the reports.</p>
      </ConfirmDialog>
    </>
  );
}
