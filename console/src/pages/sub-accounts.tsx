import { useState } from 'react';
import { ErrorNotice, Field, Loading, PageHead, CreatePanel } from '../components/ui.js';
import { ok, request } from '../lib/api.js';
import { dateTime } from '../lib/format.js';
import { useLoad, useSubmit, useViewer } from '../lib/hooks.js';
import { CreateOrganizationMutation, OrganizationsQuery, UpdateOrganizationMutation } from '../lib/ops.js';

/** The organisation and the sub-accounts (locations, customers of an agency) it reaches. */
export function SubAccountsPage() {
  const viewer = useViewer();
  const orgs = useLoad(async () => (await request(OrganizationsQuery, { first: 200 })).organizations.edges.map((e) => e.node), []);
  const [name, setName] = useState('');
  const [parentId, setParentId] = useState('');
  const [editing, setEditing] = useState<string | null>(null);
  const [days, setDays] = useState('');
  const [warn, setWarn] = useState('');
  const create = useSubmit();
  const save = useSubmit();
  const writable = viewer.can('organizations:write');
  const list = orgs.data ?? [];
  const base = viewer.organization.depth;

  return (
    <>
      <PageHead
        title="Sub-accounts"
        intro="Agencies own sub-accounts; an agency key acts in the sub-accounts it is granted. Sub-accounts inherit the permission catalogue."
      />
      <ErrorNotice error={orgs.error ?? save.error} />
      {orgs.loading && !orgs.data ? (
        <Loading what="Loading organisations" />
      ) : (
        <div className="table-wrap">
          <table aria-label="Organisations">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key expiry</th>
                <th scope="col" className="hide-narrow">
                  Created
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((o) => (
                <tr key={o.id}>
                  <td style={{ paddingLeft: `${0.75 + (o.depth - base) * 1.25}rem` }}>
                    {o.depth > base && <span aria-hidden="true">↳ </span>}
                    {o.name}
                    {o.id === viewer.organization.id && <span className="hint"> (your organisation)</span>}
                  </td>
                  <td>
                    {editing === o.id ? (
                      <form
                        className="row"
                        onSubmit={(e) => {
                          e.preventDefault();
                          void save.run(async () => {
                            ok(
                              (
                                await request(UpdateOrganizationMutation, {
                                  input: {
                                    id: o.id,
                                    inactivityDays: Number(days),
                                    warningDays: warn
                                      .split(/[\s,]+/)
                                      .filter(Boolean)
                                      .map(Number),
                                  },
                                })
                              ).updateOrganization,
                              'UpdateOrganizationSuccess',
                            );
                            setEditing(null);
                            orgs.reload();
                          });
                        }}
                      >
                        <Field label="Unused days before expiry" hint="0 turns expiry off.">
                          {(p) => <input {...p} type="number" min={0} max={3650} value={days} onChange={(e) => setDays(e.target.value)} />}
                        </Field>
                        <Field label="Warn days before" hint="e.g. 15, 7, 1">
                          {(p) => <input {...p} type="text" value={warn} onChange={(e) => setWarn(e.target.value)} />}
                        </Field>
                        <button type="submit" className="primary" disabled={save.busy}>
                          Save
                        </button>
                        <button type="button" onClick={() => setEditing(null)}>
                          Cancel
                        </button>
                      </form>
                    ) : o.inactivityDays === 0 ? (
                      'Off'
                    ) : (
                      `after ${o.inactivityDays} unused days; warnings ${o.warningDays.join(', ')} days before`
                    )}
                  </td>
                  <td className="hide-narrow">{dateTime(o.createdAt)}</td>
                  <td>
                    {writable && editing !== o.id && (
                      <button
                        type="button"
                        aria-label={`Expiry settings of ${o.name}`}
                        onClick={() => {
                          setEditing(o.id);
                          setDays(String(o.inactivityDays));
                          setWarn(o.warningDays.join(', '));
                        }}
                      >
                        Settings
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {writable && (
        <CreatePanel
          id="new-sub"
          title="Add a sub-account"
          submitLabel="Add sub-account"
          state={create}
          onSubmit={async () => {
            ok(
              (await request(CreateOrganizationMutation, { input: { name: name.trim(), parentId: parentId || null } })).createOrganization,
              'CreateOrganizationSuccess',
            );
            setName('');
            orgs.reload();
          }}
        >
          <div className="row">
            <Field label="Name" error={create.fields.name}>
              {(p) => <input {...p} type="text" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />}
            </Field>
            <Field label="Under" error={create.fields.parentId}>
              {(p) => (
                <select {...p} value={parentId} onChange={(e) => setParentId(e.target.value)}>
                  {list.map((o) => (
                    <option key={o.id} value={o.id === viewer.organization.id ? '' : o.id}>
                      {o.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
        </CreatePanel>
      )}
    </>
  );
}
