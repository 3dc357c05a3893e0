import { useState } from 'react';
import { ErrorNotice, Field, Loading, PageHead, CreatePanel } from '../components/ui.js';
import { ok, request } from '../lib/api.js';
import { useLoad, useSubmit, useViewer } from '../lib/hooks.js';
import { CatalogQuery, DefineResourceMutation } from '../lib/ops.js';

const list = (s: string) =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

/** The permission catalogue: Keyplane's own resources and the host application's. */
export function CatalogPage() {
  const viewer = useViewer();
  const catalog = useLoad(async () => (await request(CatalogQuery, {})).permissionCatalog, []);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [actions, setActions] = useState('read, write');
  const [publicActions, setPublicActions] = useState('');
  const [sensitive, setSensitive] = useState('');
  const submit = useSubmit();

  return (
    <>
      <PageHead
        title="Permissions"
        intro="Resources and their actions. Write implies read. Public actions are what publishable keys may hold; sensitive fields are withheld from them."
      />
      <ErrorNotice error={catalog.error} />
      {catalog.loading && !catalog.data ? (
        <Loading what="Loading the catalogue" />
      ) : (
        <div className="table-wrap">
          <table aria-label="Permission catalogue">
            <thead>
              <tr>
                <th scope="col">Resource</th>
                <th scope="col">Actions</th>
                <th scope="col" className="hide-narrow">
                  Public actions
                </th>
                <th scope="col" className="hide-narrow">
                  Sensitive fields
                </th>
              </tr>
            </thead>
            <tbody>
              {(catalog.data ?? []).map((r) => (
                <tr key={r.name}>
                  <td>
                    <code>{r.name}</code> {r.builtIn ? <span className="badge neutral">built in</span> : null}
                    {r.description && <div className="hint">{r.description}</div>}
                  </td>
                  <td>{r.actions.join(', ')}</td>
                  <td className="hide-narrow">{r.publicActions.join(', ') || '—'}</td>
                  <td className="hide-narrow">{r.sensitiveFields.join(', ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {viewer.can('organizations:write') && (
        <CreatePanel
          id="new-resource"
          title="Define an application resource"
          submitLabel="Define resource"
          state={submit}
          onSubmit={async () => {
            ok(
              (
                await request(DefineResourceMutation, {
                  input: {
                    name: name.trim(),
                    description: description.trim() || null,
                    actions: list(actions),
                    publicActions: list(publicActions),
                    sensitiveFields: list(sensitive),
                  },
                })
              ).defineResource,
              'DefineResourceSuccess',
            );
            setName('');
            setDescription('');
            catalog.reload();
          }}
        >
          <div className="row">
            <Field label="Name" hint="Lower case, e.g. invoices" error={submit.fields.name}>
              {(p) => <input {...p} type="text" required maxLength={63} value={name} onChange={(e) => setName(e.target.value)} />}
            </Field>
            <Field label="Description">
              {(p) => <input {...p} type="text" maxLength={500} value={description} onChange={(e) => setDescription(e.target.value)} />}
            </Field>
          </div>
          <div className="row">
            <Field label="Actions" hint="Comma-separated." error={submit.fields.actions}>
              {(p) => <input {...p} type="text" value={actions} onChange={(e) => setActions(e.target.value)} />}
            </Field>
            <Field label="Public actions" hint="Allowed to publishable keys." error={submit.fields.publicActions}>
              {(p) => <input {...p} type="text" value={publicActions} onChange={(e) => setPublicActions(e.target.value)} />}
            </Field>
            <Field label="Sensitive fields" hint="Withheld from publishable keys." error={submit.fields.sensitiveFields}>
              {(p) => <input {...p} type="text" value={sensitive} onChange={(e) => setSensitive(e.target.value)} />}
            </Field>
          </div>
        </CreatePanel>
      )}
    </>
  );
}
