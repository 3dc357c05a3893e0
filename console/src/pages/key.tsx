import { useState } from 'react';
import { UsageChart } from '../components/usage-chart.js';
import { EmptyRow, Badge, ConfirmDialog, ErrorNotice, Field, Link, Loading, PageHead, SecretReveal } from '../components/ui.js';
import { ok, request } from '../lib/api.js';
import { dateTime, relative } from '../lib/format.js';
import { useLoad, useSubmit, useViewer } from '../lib/hooks.js';
import {
  ApiKeyQuery,
  CatalogQuery,
  DeleteApiKeyMutation,
  KeyUsageQuery,
  RevokeApiKeyMutation,
  RotateApiKeyMutation,
  UpdateApiKeyMutation,
} from '../lib/ops.js';
import { grantsOf, PermissionPicker, pickerOf } from '../components/permission-picker.js';
import { navigate } from '../lib/router.js';

const GRACE = [
  { seconds: 0, label: 'None: the old secret stops at once' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86400, label: '24 hours' },
  { seconds: 3 * 86400, label: '3 days' },
  { seconds: 7 * 86400, label: '7 days (the most)' },
];

const RANGES = {
  day: { label: 'Last 24 hours', ms: 86_400_000, granularity: 'HOUR' as const, step: 3_600_000, caption: 'Verifications per hour, last 24 hours' },
  month: { label: 'Last 30 days', ms: 30 * 86_400_000, granularity: 'DAY' as const, step: 86_400_000, caption: 'Verifications per day, last 30 days' },
};

function Usage({ id }: { id: string }) {
  const [range, setRange] = useState<keyof typeof RANGES>('day');
  const r = RANGES[range];
  const usage = useLoad(async () => {
    const to = new Date();
    const from = new Date(to.getTime() - r.ms);
    const d = await request(KeyUsageQuery, { id, filter: { keyId: id, from: from.toISOString(), to: to.toISOString(), granularity: r.granularity } });
    return { ...d, from, to };
  }, [id, range]);
  return (
    <section className="panel" aria-labelledby="usage-h">
      <h2 id="usage-h" style={{ marginTop: 0 }}>
        Usage
      </h2>
      <div className="tabs" role="group" aria-label="Period">
        {(Object.keys(RANGES) as (keyof typeof RANGES)[]).map((k) => (
          <button key={k} type="button" aria-pressed={range === k} onClick={() => setRange(k)}>
            {RANGES[k].label}
          </button>
        ))}
        <button type="button" onClick={usage.reload}>
          Refresh
        </button>
      </div>
      <ErrorNotice error={usage.error} />
      {usage.data ? (
        <UsageChart points={usage.data.usage} from={usage.data.from} to={usage.data.to} stepMs={r.step} caption={r.caption} />
      ) : (
        <Loading what="Loading usage" />
      )}
      <h3>Recent verifications</h3>
      {usage.data && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Outcome</th>
                <th scope="col">Address</th>
                <th scope="col" className="hide-narrow">
                  Permission
                </th>
              </tr>
            </thead>
            <tbody>
              {(usage.data.apiKey?.verifications?.edges ?? []).length === 0 && <EmptyRow colSpan={4}>No recent verifications.</EmptyRow>}
              {usage.data.apiKey?.verifications?.edges.map(({ node: v }, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a fixed page of log rows that never reorders
                <tr key={i}>
                  <td title={dateTime(v.at)}>{relative(v.at)}</td>
                  <td>
                    <Badge value={v.code} />
                  </td>
                  <td>
                    <code>{v.ip ?? '—'}</code>
                  </td>
                  <td className="hide-narrow">
                    <code>{v.permission ?? '—'}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** An ISO instant as a datetime-local value (the browser's time zone), and back. */
const toLocalInput = (iso: string | null | undefined) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (v: string) => (v ? new Date(v).toISOString() : null);

type Settings = {
  name: string;
  description: string;
  allowedIps: string;
  limit: string;
  windowSeconds: string;
  validFrom: string;
  validUntil: string;
  credits: string;
  restrict: boolean;
  permissions: Set<string>;
  instances: Record<string, string>;
};

function settingsOf(k: {
  name: string;
  description?: string | null;
  allowedIps: string[];
  rateLimit?: { limit: number; windowSeconds: number } | null;
  validFrom?: string | null;
  validUntil?: string | null;
  credits?: number | null;
  permissions?: { permission: string; resourceIds?: string[] | null }[] | null;
}): Settings {
  const picked = pickerOf(k.permissions);
  return {
    name: k.name,
    description: k.description ?? '',
    allowedIps: k.allowedIps.join('\n'),
    limit: k.rateLimit ? String(k.rateLimit.limit) : '',
    windowSeconds: k.rateLimit ? String(k.rateLimit.windowSeconds) : '60',
    validFrom: toLocalInput(k.validFrom),
    validUntil: toLocalInput(k.validUntil),
    credits: k.credits == null ? '' : String(k.credits),
    restrict: k.permissions != null,
    permissions: picked.value,
    instances: picked.instances,
  };
}

/** A grant as the key page shows it: `attendees:read` on every instance, or `attendees:read on 12, 13`. */
function grantText(g: { permission: string; resourceIds?: string[] | null }): string {
  return g.resourceIds?.length ? `${g.permission} on ${g.resourceIds.join(', ')}` : g.permission;
}

/** The UpdateApiKeyInput for what changed (unchanged fields are left out, so nothing is re-validated needlessly). */
function changes(id: string, before: Settings, after: Settings) {
  const input: Record<string, unknown> = { id };
  if (after.name.trim() !== before.name) input.name = after.name.trim();
  if (after.description.trim() !== before.description) input.description = after.description.trim() || null;
  const ips = after.allowedIps.split(/[\s,]+/).filter(Boolean);
  if (ips.join('\n') !== before.allowedIps) input.allowedIps = ips;
  if (after.limit !== before.limit || (after.limit && after.windowSeconds !== before.windowSeconds))
    input.rateLimit = after.limit ? { limit: Number(after.limit), windowSeconds: Number(after.windowSeconds) } : null;
  if (after.validFrom !== before.validFrom) input.validFrom = fromLocalInput(after.validFrom);
  if (after.validUntil !== before.validUntil) input.validUntil = fromLocalInput(after.validUntil);
  if (after.credits.trim() !== before.credits) input.credits = after.credits.trim() === '' ? null : Number(after.credits);
  const grants = (s: Settings) => (s.restrict ? JSON.stringify(grantsOf(s.permissions, s.instances)) : 'all');
  if (grants(after) !== grants(before)) input.permissions = after.restrict ? grantsOf(after.permissions, after.instances) : null;
  return input as { id: string };
}

/** One key: its settings (editable), rotation with a grace period, revocation (confirmed), usage and verifications. */
export function KeyPage({ id }: { id: string }) {
  const viewer = useViewer();
  const { can } = viewer;
  const key = useLoad(async () => (await request(ApiKeyQuery, { id })).apiKey, [id]);
  const catalog = useLoad(
    async () => (key.data?.organization ? (await request(CatalogQuery, { organizationId: key.data.organization.id })).permissionCatalog : null),
    [key.data?.organization?.id],
  );
  const [dialog, setDialog] = useState<'edit' | 'rotate' | 'revoke' | 'delete' | null>(null);
  const [form, setForm] = useState<Settings | null>(null);
  const [grace, setGrace] = useState(0);
  const [reason, setReason] = useState('');
  const [rotated, setRotated] = useState<{ token: string; secret: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const act = useSubmit();

  if (key.loading && !key.data) return <Loading what="Loading the key" />;
  if (!key.data)
    return (
      <>
        <PageHead title="Key not found" />
        <ErrorNotice error={key.error} />
        <p>
          <Link to="/keys">Back to the keys</Link>
        </p>
      </>
    );
  const k = key.data;
  const active = k.status === 'ACTIVE';
  /** The server's message for a field of the last refused change (paths like allowedIps.0 included). */
  const fieldError = (name: string) => Object.entries(act.fields).find(([path]) => path === name || path.startsWith(`${name}.`))?.[1];
  const writable = can('keys:write');
  // Rotating a key, or giving it other permissions, acts as its user: for another user's key that
  // is an administrator's act (users:write). The server decides; the console does not offer what it would refuse.
  const actsAsViewer = k.user?.id === viewer.user.id;
  const mayActAsUser = actsAsViewer || can('users:write');
  const held = new Set(viewer.permissions.map((p) => p.permission));

  return (
    <>
      <PageHead title={k.name} intro={k.description ?? undefined}>
        {writable && active && (
          <button
            type="button"
            onClick={() => {
              act.setError(null);
              setForm(settingsOf(k));
              setDialog('edit');
            }}
          >
            Edit settings
          </button>
        )}
        {writable && active && mayActAsUser && (
          <button type="button" onClick={() => setDialog('rotate')}>
            Rotate secret
          </button>
        )}
        {writable && active && (
          <button type="button" className="danger" onClick={() => setDialog('revoke')}>
            Revoke
          </button>
        )}
        {writable && !active && (
          <button type="button" onClick={() => setDialog('delete')}>
            Delete
          </button>
        )}
      </PageHead>
      <p>
        <Link to="/keys">← All keys</Link>
      </p>
      {writable && active && !mayActAsUser && (
        <p className="hint" data-testid="cannot-rotate">
          This key acts as {k.user?.name ?? 'another user'}: rotating it or changing its permissions needs <code>users:write</code>, which you do not hold.
        </p>
      )}
      {notice && (
        <div className="notice success" role="status">
          {notice}
        </div>
      )}
      <ErrorNotice error={act.error} />
      {rotated && (
        <SecretReveal
          title="The new secret"
          items={[
            { label: 'Token', value: rotated.token },
            { label: 'Secret', value: rotated.secret },
          ]}
          onDone={() => setRotated(null)}
        />
      )}
      <section className="panel" aria-labelledby="details-h">
        <h2 id="details-h" style={{ marginTop: 0 }}>
          Details
        </h2>
        <dl className="props">
          <dt>Status</dt>
          <dd>
            <Badge value={k.status} />
            {k.revokedReason && <span className="hint"> — {k.revokedReason}</span>}
          </dd>
          {k.leakedAt && (
            <>
              <dt>Leaked</dt>
              <dd role="alert">
                <Badge value="LEAKED" tone="bad" /> found leaked {relative(k.leakedAt)} ({dateTime(k.leakedAt)})
                {k.status === 'ACTIVE' && <span className="hint"> — still active: rotate or revoke it</span>}
              </dd>
            </>
          )}
          <dt>Kind</dt>
          <dd>{k.kind.charAt(0) + k.kind.slice(1).toLowerCase()}</dd>
          <dt>Key id</dt>
          <dd>
            <code>{k.keyId}</code>
          </dd>
          <dt>Starts with</dt>
          <dd>
            <code>{k.start}…</code>
          </dd>
          <dt>Acts as</dt>
          <dd>{k.user?.name ?? <span className="hint">a user outside your reach</span>}</dd>
          <dt>Organisation</dt>
          <dd>{k.organization?.name ?? <span className="hint">—</span>}</dd>
          <dt>Permissions</dt>
          <dd data-testid="key-permissions">
            {k.permissions
              ? k.permissions.map((g) => (
                  <code key={g.permission} className="perm">
                    {grantText(g)}
                  </code>
                ))
              : 'All of the user’s'}
          </dd>
          <dt>Valid</dt>
          <dd>
            {k.validFrom ? `from ${dateTime(k.validFrom)} ` : ''}
            {k.validUntil ? `until ${dateTime(k.validUntil)}` : !k.validFrom ? 'No window' : ''}
          </dd>
          <dt>Expires</dt>
          <dd>{active ? (k.expiresAt ? `${dateTime(k.expiresAt)} (${relative(k.expiresAt)}) unless used` : 'Does not expire') : '—'}</dd>
          <dt>IP allowlist</dt>
          <dd>{k.allowedIps.length ? k.allowedIps.map((ip) => <code key={ip}>{ip} </code>) : 'Any address'}</dd>
          <dt>Rate limit</dt>
          <dd>{k.rateLimit ? `${k.rateLimit.limit} per ${k.rateLimit.windowSeconds} s` : 'None'}</dd>
          <dt>Credits</dt>
          <dd>{k.credits ?? 'Unlimited'}</dd>
          <dt>Sub-accounts</dt>
          <dd>{k.subAccounts.mode === 'SELECTED' ? `${k.subAccounts.organizationIds.length} chosen` : k.subAccounts.mode === 'ALL' ? 'All' : 'None'}</dd>
          <dt>Last used</dt>
          <dd>
            {relative(k.lastUsedAt)}
            {k.lastUsedIp && (
              <>
                {' '}
                from <code>{k.lastUsedIp}</code>
              </>
            )}
          </dd>
          <dt>Rotated</dt>
          <dd>
            {k.rotatedAt ? dateTime(k.rotatedAt) : 'Never'}
            {k.previousSecretExpiresAt && new Date(k.previousSecretExpiresAt) > new Date() && (
              <span className="badge warn" style={{ marginLeft: '0.5rem' }}>
                old secret works until {dateTime(k.previousSecretExpiresAt)}
              </span>
            )}
          </dd>
          <dt>Created</dt>
          <dd>
            {dateTime(k.createdAt)}
            {k.source && <span className="hint"> by {k.source}</span>}
          </dd>
        </dl>
      </section>
      {can('usage:read') && <Usage id={k.id} />}

      {form && (
        <ConfirmDialog
          open={dialog === 'edit'}
          title="Edit the key’s settings"
          confirmLabel="Save"
          busy={act.busy}
          onCancel={() => setDialog(null)}
          onConfirm={() =>
            void act.run(async () => {
              ok((await request(UpdateApiKeyMutation, { input: changes(k.id, settingsOf(k), form) })).updateApiKey, 'UpdateApiKeySuccess');
              setDialog(null);
              setNotice('Saved: every server applies the new settings within a second.');
              key.reload();
            })
          }
        >
          <ErrorNotice error={act.error} />
          <Field label="Name" error={fieldError('name')}>
            {(p) => <input {...p} type="text" required maxLength={200} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />}
          </Field>
          <Field label="Description" error={fieldError('description')}>
            {(p) => <input {...p} type="text" maxLength={1000} value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />}
          </Field>
          <Field label="IP allowlist" error={fieldError('allowedIps')} hint="Addresses or CIDR blocks, one per line; empty: any address.">
            {(p) => <textarea {...p} rows={3} value={form.allowedIps} onChange={(e) => setForm({ ...form, allowedIps: e.target.value })} />}
          </Field>
          <Field label="Rate limit (requests)" error={fieldError('rateLimit')} hint="Empty: no limit.">
            {(p) => <input {...p} type="number" min={1} max={1000000} value={form.limit} onChange={(e) => setForm({ ...form, limit: e.target.value })} />}
          </Field>
          <Field label="Per (seconds)">
            {(p) => (
              <input
                {...p}
                type="number"
                min={1}
                max={86400}
                value={form.windowSeconds}
                onChange={(e) => setForm({ ...form, windowSeconds: e.target.value })}
              />
            )}
          </Field>
          <Field label="Valid from" error={fieldError('validFrom')} hint="Empty: valid now. In your local time.">
            {(p) => <input {...p} type="datetime-local" value={form.validFrom} onChange={(e) => setForm({ ...form, validFrom: e.target.value })} />}
          </Field>
          <Field label="Valid until" error={fieldError('validUntil')} hint="Empty: no end date (inactivity expiry still applies).">
            {(p) => <input {...p} type="datetime-local" value={form.validUntil} onChange={(e) => setForm({ ...form, validUntil: e.target.value })} />}
          </Field>
          <Field label="Credits" error={fieldError('credits')} hint="Uses left; empty: unlimited. Setting it starts a new grant.">
            {(p) => (
              <input {...p} type="number" min={0} max={1000000000} value={form.credits} onChange={(e) => setForm({ ...form, credits: e.target.value })} />
            )}
          </Field>
          {mayActAsUser ? (
            <fieldset>
              <legend>Permissions</legend>
              <label className="choice">
                <input type="radio" name="edit-restrict" checked={!form.restrict} onChange={() => setForm({ ...form, restrict: false })} />
                <span>All of the user’s permissions</span>
              </label>
              <label className="choice">
                <input type="radio" name="edit-restrict" checked={form.restrict} onChange={() => setForm({ ...form, restrict: true })} />
                <span>Only the permissions chosen below, optionally on chosen instances</span>
              </label>
              {fieldError('permissions') && <p className="field-error">{fieldError('permissions')}</p>}
              {form.restrict &&
                (catalog.data ? (
                  <PermissionPicker
                    legend="Allowed permissions"
                    catalog={catalog.data}
                    value={form.permissions}
                    onChange={(permissions) => setForm({ ...form, permissions })}
                    publicOnly={k.kind === 'PUBLISHABLE'}
                    grantable={(p) => held.has(p) || held.has('*') || !actsAsViewer}
                    instances={form.instances}
                    onInstances={(p, ids) => setForm({ ...form, instances: { ...form.instances, [p]: ids } })}
                  />
                ) : (
                  <Loading what="Loading the permission catalogue" />
                ))}
            </fieldset>
          ) : (
            <p className="hint">Its permissions act as {k.user?.name ?? 'another user'}: changing them needs users:write.</p>
          )}
        </ConfirmDialog>
      )}

      <ConfirmDialog
        open={dialog === 'rotate'}
        title="Rotate the secret"
        confirmLabel="Rotate"
        busy={act.busy}
        onCancel={() => setDialog(null)}
        onConfirm={() =>
          void act.run(async () => {
            const r = ok((await request(RotateApiKeyMutation, { input: { id: k.id, gracePeriodSeconds: grace } })).rotateApiKey, 'RotateApiKeySuccess');
            setDialog(null);
            setRotated({ token: r.token, secret: r.secret });
            key.reload();
          })
        }
      >
        <p>The key keeps its id and settings and gets a new secret, shown once.</p>
        <Field label="Grace period" hint="How long the current secret keeps working, so you can roll the new one out.">
          {(p) => (
            <select {...p} value={grace} onChange={(e) => setGrace(Number(e.target.value))}>
              {GRACE.map((g) => (
                <option key={g.seconds} value={g.seconds}>
                  {g.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      </ConfirmDialog>

      <ConfirmDialog
        open={dialog === 'revoke'}
        title={`Revoke “${k.name}”?`}
        confirmLabel="Revoke key"
        danger
        busy={act.busy}
        onCancel={() => setDialog(null)}
        onConfirm={() =>
          void act.run(async () => {
            ok((await request(RevokeApiKeyMutation, { input: { id: k.id, reason: reason.trim() || null } })).revokeApiKey, 'RevokeApiKeySuccess');
            setDialog(null);
            setNotice('The key was revoked: every request with it is refused from now on.');
            key.reload();
          })
        }
      >
        <p>
          <strong>This cannot be undone.</strong> Requests with this key fail at once, on every server.
        </p>
        <Field label="Reason (optional)" hint="Recorded in the audit log and the revocation event.">
          {(p) => <input {...p} type="text" maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />}
        </Field>
      </ConfirmDialog>

      <ConfirmDialog
        open={dialog === 'delete'}
        title={`Delete “${k.name}”?`}
        confirmLabel="Delete key"
        danger
        busy={act.busy}
        onCancel={() => setDialog(null)}
        onConfirm={() =>
          void act.run(async () => {
            ok((await request(DeleteApiKeyMutation, { input: { id: k.id } })).deleteApiKey, 'DeleteApiKeySuccess');
            setDialog(null);
            navigate('/keys');
          })
        }
      >
        <p>The key disappears from lists; its audit trail stays.</p>
      </ConfirmDialog>
    </>
  );
}
