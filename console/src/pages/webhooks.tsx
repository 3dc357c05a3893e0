import { useState } from 'react';
import { EmptyRow, Badge, ConfirmDialog, ErrorNotice, Field, Link, Loading, PageHead, SecretReveal, CreatePanel } from '../components/ui.js';
import type { ConsoleDeliveriesQuery, DeliveryStatus } from '../gql/graphql.js';
import { ok, request } from '../lib/api.js';
import { dateTime, relative } from '../lib/format.js';
import { useLoad, useSubmit, useViewer } from '../lib/hooks.js';
import {
  CreateWebhookEndpointMutation,
  DeleteWebhookEndpointMutation,
  DeliveriesQuery,
  ReplayDeliveryMutation,
  UpdateWebhookEndpointMutation,
  WebhookEndpointsQuery,
} from '../lib/ops.js';
import { navigate } from '../lib/router.js';

const EVENT_FAMILIES = ['api_key.*', 'user.*', 'role.*', 'organization.*', 'webhook_endpoint.*'];
const KEY_EVENTS = ['api_key.created', 'api_key.updated', 'api_key.rotated', 'api_key.revoked', 'api_key.expiring_soon', 'api_key.expired', 'api_key.deleted'];

/** Webhook endpoints: create (the signing secret is shown once), and each one's delivery log. */
export function WebhooksPage() {
  const { can } = useViewer();
  const endpoints = useLoad(async () => (await request(WebhookEndpointsQuery, { first: 200 })).webhookEndpoints.edges.map((e) => e.node), []);
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [types, setTypes] = useState<Set<string>>(new Set(['api_key.*']));
  const [includeSub, setIncludeSub] = useState(false);
  const [created, setCreated] = useState<{ id: string; secret: string } | null>(null);
  const submit = useSubmit();

  return (
    <>
      <PageHead title="Webhooks" intro="Signed HTTPS callbacks (Standard Webhooks) for lifecycle events, with a delivery log and replay." />
      {created && (
        <SecretReveal
          title="Signing secret"
          items={[{ label: 'Signing secret', value: created.secret }]}
          doneLabel="I have stored it"
          explanation="Keyplane keeps it encrypted to sign deliveries and will not show it again. If it is lost, rotate the endpoint’s secret."
          onDone={() => {
            const id = created.id;
            setCreated(null);
            navigate(`/webhooks/${id}`);
          }}
        />
      )}
      <ErrorNotice error={endpoints.error} />
      {endpoints.loading && !endpoints.data ? (
        <Loading what="Loading endpoints" />
      ) : (
        <div className="table-wrap">
          <table aria-label="Webhook endpoints">
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">State</th>
                <th scope="col" className="hide-narrow">
                  Events
                </th>
                <th scope="col" className="hide-narrow">
                  Created
                </th>
              </tr>
            </thead>
            <tbody>
              {(endpoints.data ?? []).length === 0 && <EmptyRow colSpan={4}>No endpoints yet.</EmptyRow>}
              {(endpoints.data ?? []).map((e) => (
                <tr key={e.id}>
                  <td>
                    <Link to={`/webhooks/${e.id}`}>
                      <code>{e.url}</code>
                    </Link>
                    {e.description && <div className="hint">{e.description}</div>}
                  </td>
                  <td>
                    <Badge value={e.enabled ? 'ENABLED' : 'DISABLED'} />
                    {e.kind === 'ZAPIER' && (
                      <>
                        {' '}
                        <Badge value="ZAPIER" tone="neutral" />
                      </>
                    )}
                    {e.failingSince && <div className="hint">failing since {relative(e.failingSince)}</div>}
                  </td>
                  <td className="hide-narrow">{e.eventTypes.length ? e.eventTypes.join(', ') : 'every event'}</td>
                  <td className="hide-narrow">{dateTime(e.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {can('webhooks:write') && (
        <CreatePanel
          id="new-endpoint"
          title="Add an endpoint"
          submitLabel="Add endpoint"
          busyLabel="Adding…"
          state={submit}
          onSubmit={async () => {
            const r = ok(
              (
                await request(CreateWebhookEndpointMutation, {
                  input: { url: url.trim(), description: description.trim() || null, eventTypes: [...types], includeSubAccounts: includeSub },
                })
              ).createWebhookEndpoint,
              'CreateWebhookEndpointSuccess',
            );
            setCreated({ id: r.webhookEndpoint.id, secret: r.secret });
            setUrl('');
            setDescription('');
            endpoints.reload();
          }}
        >
          <div className="row">
            <Field label="URL" hint="HTTPS; Keyplane refuses private and internal addresses." error={submit.fields.url}>
              {(p) => (
                <input
                  {...p}
                  type="url"
                  required
                  maxLength={2000}
                  placeholder="https://example.com/hooks/keyplane"
                  value={url}
                  onChange={(e) => setUrl(e.target.value)}
                />
              )}
            </Field>
            <Field label="Description" error={submit.fields.description}>
              {(p) => <input {...p} type="text" maxLength={500} value={description} onChange={(e) => setDescription(e.target.value)} />}
            </Field>
          </div>
          <fieldset>
            <legend>Events to send</legend>
            {[...EVENT_FAMILIES, ...KEY_EVENTS].map((t) => (
              <label key={t} className="choice" style={{ display: 'inline-flex', marginRight: '1rem' }}>
                <input
                  type="checkbox"
                  checked={types.has(t)}
                  onChange={(e) => {
                    const next = new Set(types);
                    if (e.target.checked) next.add(t);
                    else next.delete(t);
                    setTypes(next);
                  }}
                />
                <code>{t}</code>
              </label>
            ))}
            <p className="hint">None chosen: every event.</p>
          </fieldset>
          <label className="choice">
            <input type="checkbox" checked={includeSub} onChange={(e) => setIncludeSub(e.target.checked)} />
            Also send events of sub-accounts
          </label>
        </CreatePanel>
      )}
    </>
  );
}

/** One endpoint: enable/disable, rotate its secret, delete, and its deliveries with replay. */
export function WebhookPage({ id }: { id: string }) {
  const { can } = useViewer();
  const endpoints = useLoad(async () => (await request(WebhookEndpointsQuery, { first: 200 })).webhookEndpoints.edges.map((e) => e.node), [id]);
  const [status, setStatus] = useState<string>('');
  const deliveries = useLoad(async () => {
    const since = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const all = [];
    let after: string | null | undefined = null;
    for (let i = 0; i < 3; i++) {
      const r: ConsoleDeliveriesQuery['deliveries'] = (
        await request(DeliveriesQuery, { filter: { endpointId: id, since, status: (status || null) as DeliveryStatus | null }, first: 100, after })
      ).deliveries;
      all.push(...r.edges.map((e) => e.node));
      if (!r.pageInfo.hasNextPage) break;
      after = r.pageInfo.endCursor;
    }
    return all.reverse();
  }, [id, status]);
  const [secret, setSecret] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const act = useSubmit();
  const e = endpoints.data?.find((x) => x.id === id);
  const writable = can('webhooks:write');

  if (endpoints.loading && !endpoints.data) return <Loading what="Loading the endpoint" />;
  if (!e)
    return (
      <>
        <PageHead title="Endpoint not found" />
        <p>
          <Link to="/webhooks">Back to webhooks</Link>
        </p>
      </>
    );

  return (
    <>
      <PageHead title="Webhook endpoint" intro={e.url}>
        {writable && (
          <button
            type="button"
            onClick={() =>
              void act.run(async () => {
                ok(
                  (await request(UpdateWebhookEndpointMutation, { input: { id, enabled: !e.enabled } })).updateWebhookEndpoint,
                  'UpdateWebhookEndpointSuccess',
                );
                setNotice(e.enabled ? 'Endpoint disabled.' : 'Endpoint enabled.');
                endpoints.reload();
              })
            }
          >
            {e.enabled ? 'Disable' : 'Enable'}
          </button>
        )}
        {writable && (
          <button
            type="button"
            onClick={() =>
              void act.run(async () => {
                const r = ok(
                  (await request(UpdateWebhookEndpointMutation, { input: { id, rotateSecret: true, secretOverlapSeconds: 86400 } })).updateWebhookEndpoint,
                  'UpdateWebhookEndpointSuccess',
                );
                setSecret(r.secret ?? null);
              })
            }
          >
            Rotate secret
          </button>
        )}
        {writable && (
          <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
            Delete
          </button>
        )}
      </PageHead>
      <p>
        <Link to="/webhooks">← All endpoints</Link>
      </p>
      {notice && (
        <div className="notice success" role="status">
          {notice}
        </div>
      )}
      <ErrorNotice error={act.error} />
      {secret && (
        <SecretReveal
          title="New signing secret"
          items={[{ label: 'Signing secret', value: secret }]}
          doneLabel="I have stored it"
          explanation="Keyplane keeps it encrypted to sign deliveries and will not show it again. If it is lost, rotate the endpoint’s secret."
          onDone={() => setSecret(null)}
        />
      )}
      <section className="panel">
        <dl className="props">
          <dt>State</dt>
          <dd>
            <Badge value={e.enabled ? 'ENABLED' : 'DISABLED'} />
            {e.disabledReason && <span className="hint"> ({e.disabledReason.toLowerCase()})</span>}
          </dd>
          <dt>Events</dt>
          <dd>{e.eventTypes.length ? e.eventTypes.map((t) => <code key={t}>{t} </code>) : 'Every event'}</dd>
          <dt>Sub-accounts</dt>
          <dd>{e.includeSubAccounts ? 'Included' : 'Not included'}</dd>
          <dt>Created</dt>
          <dd>{dateTime(e.createdAt)}</dd>
        </dl>
      </section>
      <h2>Deliveries (last 30 days)</h2>
      <div className="filters">
        <Field label="Status">
          {(p) => (
            <select {...p} value={status} onChange={(ev) => setStatus(ev.target.value)}>
              <option value="">Any</option>
              <option value="SUCCEEDED">Succeeded</option>
              <option value="PENDING">Pending</option>
              <option value="FAILED">Failed</option>
            </select>
          )}
        </Field>
        <button type="button" onClick={deliveries.reload}>
          Refresh
        </button>
      </div>
      <ErrorNotice error={deliveries.error} />
      {deliveries.loading && !deliveries.data ? (
        <Loading what="Loading deliveries" />
      ) : (
        <div className="table-wrap">
          <table aria-label="Deliveries">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col" className="hide-narrow">
                  Attempts
                </th>
                <th scope="col" className="hide-narrow">
                  Last attempt
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {(deliveries.data ?? []).length === 0 && <EmptyRow colSpan={5}>No deliveries.</EmptyRow>}
              {(deliveries.data ?? []).map((d) => (
                <tr key={d.id}>
                  <td>
                    <code>{d.eventType}</code>
                    <div className="hint">{dateTime(d.createdAt)}</div>
                    <details>
                      <summary>Attempts</summary>
                      <ul>
                        {d.attempts.map((a) => (
                          <li key={`${a.round}-${a.attempt}`}>
                            {dateTime(a.attemptedAt)}: {a.statusCode ?? 'no answer'} in {a.durationMs} ms {a.errorMessage ? `— ${a.errorMessage}` : ''}
                          </li>
                        ))}
                      </ul>
                    </details>
                  </td>
                  <td>
                    <Badge value={d.status} />
                    {d.lastStatusCode != null && <div className="hint">HTTP {d.lastStatusCode}</div>}
                  </td>
                  <td className="hide-narrow">{d.attemptCount}</td>
                  <td className="hide-narrow">{relative(d.lastAttemptAt)}</td>
                  <td>
                    {writable && (
                      <button
                        type="button"
                        disabled={act.busy}
                        aria-label={`Replay ${d.eventType} delivery`}
                        onClick={() =>
                          void act.run(async () => {
                            ok((await request(ReplayDeliveryMutation, { input: { id: d.id } })).replayDelivery, 'ReplayDeliverySuccess');
                            setNotice('Sent again with the same webhook-id, so receivers can de-duplicate it.');
                            deliveries.reload();
                          })
                        }
                      >
                        Replay
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={confirmDelete}
        title="Delete this endpoint?"
        confirmLabel="Delete endpoint"
        danger
        busy={act.busy}
        onCancel={() => setConfirmDelete(false)}
        onConfirm={() =>
          void act.run(async () => {
            ok((await request(DeleteWebhookEndpointMutation, { input: { id } })).deleteWebhookEndpoint, 'DeleteWebhookEndpointSuccess');
            setConfirmDelete(false);
            navigate('/webhooks');
          })
        }
      >
        <p>No more events are sent to it. Its delivery log is kept.</p>
      </ConfirmDialog>
    </>
  );
}
