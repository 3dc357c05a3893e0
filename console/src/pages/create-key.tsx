import { useState } from 'react';
import { grantsOf, PermissionPicker } from '../components/permission-picker.js';
import { ErrorNotice, Field, Link, Loading, PageHead, SecretReveal } from '../components/ui.js';
import type { ApiKeyKind, CreateApiKeyInput, SubAccountMode } from '../gql/graphql.js';
import { ok, request } from '../lib/api.js';
import { localToIso } from '../lib/format.js';
import { useLoad, useSubmit, useViewer } from '../lib/hooks.js';
import { CatalogQuery, CreateApiKeyMutation, OrganizationsQuery, UsersQuery } from '../lib/ops.js';
import { navigate } from '../lib/router.js';

const KINDS: { value: ApiKeyKind; title: string; text: string }[] = [
  { value: 'SECRET', title: 'Secret', text: 'Full access for a server or a third-party integration. Keep it out of browsers and apps.' },
  { value: 'PUBLISHABLE', title: 'Publishable', text: 'Safe in a website or app: only actions marked public, sensitive fields withheld.' },
  { value: 'INTEGRATION', title: 'Integration', text: 'For Zapier-style connectors: events, webhook endpoints and the actions you give it.' },
];

const WINDOWS = [
  { seconds: 1, label: 'per second' },
  { seconds: 60, label: 'per minute' },
  { seconds: 3600, label: 'per hour' },
  { seconds: 86400, label: 'per day' },
];

type Created = { id: string; name: string; token: string; secret: string; keyId: string };

/** The create-key form: name, kind, acting user, permission restriction, validity, IP allowlist, limits. */
export function CreateKeyPage() {
  const viewer = useViewer();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [kind, setKind] = useState<ApiKeyKind>('SECRET');
  const [userId, setUserId] = useState('');
  const [organizationId, setOrganizationId] = useState('');
  const [restrict, setRestrict] = useState(false);
  const [permissions, setPermissions] = useState<Set<string>>(new Set());
  const [instances, setInstances] = useState<Record<string, string>>({});
  const [validFrom, setValidFrom] = useState('');
  const [validUntil, setValidUntil] = useState('');
  const [ips, setIps] = useState('');
  const [limit, setLimit] = useState('');
  const [windowSeconds, setWindowSeconds] = useState('60');
  const [credits, setCredits] = useState('');
  const [subMode, setSubMode] = useState<SubAccountMode>('NONE');
  const [subIds, setSubIds] = useState<Set<string>>(new Set());
  const [created, setCreated] = useState<Created | null>(null);
  const submit = useSubmit();

  const catalog = useLoad(async () => (await request(CatalogQuery, { organizationId: organizationId || null })).permissionCatalog, [organizationId]);
  const users = useLoad(
    async () => (viewer.can('users:read') ? (await request(UsersQuery, { filter: { status: 'ACTIVE' }, first: 200 })).users.edges.map((e) => e.node) : []),
    [],
  );
  const orgs = useLoad(
    async () => (viewer.can('organizations:read') ? (await request(OrganizationsQuery, { first: 200 })).organizations.edges.map((e) => e.node) : []),
    [],
  );
  const subAccounts = (orgs.data ?? []).filter((o) => o.id !== viewer.organization.id);
  const held = new Set(viewer.permissions.map((p) => p.permission));

  if (created) {
    return (
      <>
        <PageHead title="Key created" intro={`“${created.name}” is active now.`} />
        <SecretReveal
          title="Your new key"
          items={[
            { label: 'Token', value: created.token },
            { label: `Secret (Basic auth: key id ${created.keyId} as the username)`, value: created.secret, copyLabel: 'Copy secret' },
          ]}
          onDone={() => {
            const id = created.id;
            setCreated(null);
            navigate(`/keys?created=${encodeURIComponent(id)}`);
          }}
        />
      </>
    );
  }

  const onSubmit = () =>
    submit.run(async () => {
      const input: CreateApiKeyInput = {
        name: name.trim(),
        description: description.trim() || null,
        kind,
        userId: userId || null,
        organizationId: organizationId || null,
        permissions: restrict ? grantsOf(permissions, instances) : null,
        validFrom: localToIso(validFrom),
        validUntil: localToIso(validUntil),
        allowedIps: ips
          .split(/[\s,]+/)
          .map((s) => s.trim())
          .filter(Boolean),
        rateLimit: limit ? { limit: Number(limit), windowSeconds: Number(windowSeconds) } : null,
        credits: credits ? Number(credits) : null,
        subAccounts: subMode === 'SELECTED' ? { mode: subMode, organizationIds: [...subIds] } : { mode: subMode },
      };
      const r = ok((await request(CreateApiKeyMutation, { input })).createApiKey, 'CreateApiKeySuccess');
      setCreated({ id: r.apiKey.id, name: r.apiKey.name, keyId: r.apiKey.keyId, token: r.token, secret: r.secret });
    });

  return (
    <>
      <PageHead title="Create an API key" intro="Give it a name that tells it apart: it is recorded as the source of everything the key does." />
      <ErrorNotice error={submit.error} />
      <form
        className="panel"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void onSubmit();
        }}
      >
        <div className="row">
          <Field label="Name" error={submit.fields.name} hint="For example “Billing sync (production)”.">
            {(p) => <input {...p} type="text" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />}
          </Field>
          <Field label="Description" error={submit.fields.description}>
            {(p) => <input {...p} type="text" maxLength={1000} value={description} onChange={(e) => setDescription(e.target.value)} />}
          </Field>
        </div>

        <fieldset>
          <legend>Kind</legend>
          {KINDS.map((k) => (
            <label key={k.value} className="choice">
              <input type="radio" name="kind" value={k.value} checked={kind === k.value} onChange={() => setKind(k.value)} />
              <span>
                <strong>{k.title}</strong> <span className="hint">{k.text}</span>
              </span>
            </label>
          ))}
        </fieldset>

        <div className="row">
          {/* Acting as someone else is an administrator's act (users:write): others are not offered it. */}
          {viewer.can('users:write') && users.data && users.data.length > 0 && (
            <Field label="Acts as" hint="The key never has more than this user’s permissions." error={submit.fields.userId}>
              {(p) => (
                <select {...p} value={userId} onChange={(e) => setUserId(e.target.value)}>
                  <option value="">Me ({viewer.user.name})</option>
                  {users
                    .data!.filter((u) => u.id !== viewer.user.id)
                    .map((u) => (
                      <option key={u.id} value={u.id}>
                        {u.name} {u.kind === 'SERVICE' ? '(service user)' : ''}
                      </option>
                    ))}
                </select>
              )}
            </Field>
          )}
          {subAccounts.length > 0 && (
            <Field label="Organisation" error={submit.fields.organizationId}>
              {(p) => (
                <select {...p} value={organizationId} onChange={(e) => setOrganizationId(e.target.value)}>
                  <option value="">{viewer.organization.name} (this organisation)</option>
                  {subAccounts.map((o) => (
                    <option key={o.id} value={o.id}>
                      {'— '.repeat(Math.max(0, o.depth - viewer.organization.depth))}
                      {o.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
        </div>

        <fieldset>
          <legend>Permissions</legend>
          <label className="choice">
            <input type="radio" name="restrict" checked={!restrict} onChange={() => setRestrict(false)} />
            <span>
              All of the user’s permissions <span className="hint">(they follow the user’s roles as they change)</span>
            </span>
          </label>
          <label className="choice">
            <input type="radio" name="restrict" checked={restrict} onChange={() => setRestrict(true)} />
            <span>Only the permissions chosen below (least privilege)</span>
          </label>
          {submit.fields.permissions && <p className="field-error">{submit.fields.permissions}</p>}
          {restrict &&
            (catalog.data ? (
              <PermissionPicker
                legend="Allowed permissions"
                catalog={catalog.data}
                value={permissions}
                onChange={setPermissions}
                publicOnly={kind === 'PUBLISHABLE'}
                grantable={(p) => held.has(p) || held.has('*') || !!userId}
                instances={instances}
                onInstances={(p, ids) => setInstances({ ...instances, [p]: ids })}
              />
            ) : (
              <Loading what="Loading the permission catalogue" />
            ))}
        </fieldset>

        <fieldset>
          <legend>Validity and network</legend>
          <div className="row">
            <Field label="Valid from" hint="Optional; in your local time." error={submit.fields.validFrom}>
              {(p) => <input {...p} type="datetime-local" value={validFrom} onChange={(e) => setValidFrom(e.target.value)} />}
            </Field>
            <Field label="Valid until" hint="Optional." error={submit.fields.validUntil}>
              {(p) => <input {...p} type="datetime-local" value={validUntil} onChange={(e) => setValidUntil(e.target.value)} />}
            </Field>
          </div>
          <Field
            label="IP allowlist"
            hint="One IPv4 or IPv6 address or CIDR block per line (e.g. 203.0.113.0/24). Empty: any address."
            error={Object.entries(submit.fields).find(([k]) => k.startsWith('allowedIps'))?.[1]}
          >
            {(p) => <textarea {...p} value={ips} onChange={(e) => setIps(e.target.value)} spellCheck={false} rows={3} />}
          </Field>
        </fieldset>

        <fieldset>
          <legend>Limits</legend>
          <div className="row">
            <Field label="Rate limit" hint="Requests allowed per window; empty: no limit." error={submit.fields['rateLimit.limit']}>
              {(p) => <input {...p} type="number" min={1} inputMode="numeric" value={limit} onChange={(e) => setLimit(e.target.value)} />}
            </Field>
            <Field label="Window" error={submit.fields['rateLimit.windowSeconds']}>
              {(p) => (
                <select {...p} value={windowSeconds} onChange={(e) => setWindowSeconds(e.target.value)}>
                  {WINDOWS.map((w) => (
                    <option key={w.seconds} value={w.seconds}>
                      {w.label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Credits" hint="Remaining uses; empty: unlimited." error={submit.fields.credits}>
              {(p) => <input {...p} type="number" min={0} inputMode="numeric" value={credits} onChange={(e) => setCredits(e.target.value)} />}
            </Field>
          </div>
        </fieldset>

        {subAccounts.length > 0 && (
          <fieldset>
            <legend>Sub-accounts this key may act in</legend>
            {(['NONE', 'ALL', 'SELECTED'] as SubAccountMode[]).map((m) => (
              <label key={m} className="choice">
                <input type="radio" name="subMode" checked={subMode === m} onChange={() => setSubMode(m)} />
                {m === 'NONE' ? 'None' : m === 'ALL' ? 'All sub-accounts' : 'Chosen sub-accounts'}
              </label>
            ))}
            {subMode === 'SELECTED' &&
              subAccounts.map((o) => (
                <label key={o.id} className="choice" style={{ marginLeft: '1.5rem' }}>
                  <input
                    type="checkbox"
                    checked={subIds.has(o.id)}
                    onChange={(e) => {
                      const next = new Set(subIds);
                      if (e.target.checked) next.add(o.id);
                      else next.delete(o.id);
                      setSubIds(next);
                    }}
                  />
                  {o.name}
                </label>
              ))}
          </fieldset>
        )}

        <div className="actions">
          <button type="submit" className="primary" disabled={submit.busy}>
            {submit.busy ? 'Creating…' : 'Create key'}
          </button>
          <Link to="/keys" className="button">
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}
