import { useState } from 'react';
import { PermissionPicker } from '../components/permission-picker.js';
import { EmptyRow, ConfirmDialog, ErrorNotice, Field, Loading, PageHead, CreatePanel } from '../components/ui.js';
import { ok, request } from '../lib/api.js';
import { useLoad, useSubmit, useViewer } from '../lib/hooks.js';
import { CatalogQuery, CreateRoleMutation, DeleteRoleMutation, RolesQuery } from '../lib/ops.js';

/** Roles: named sets of permissions. Nobody can put into a role what they do not hold themselves. */
export function RolesPage() {
  const viewer = useViewer();
  const roles = useLoad(async () => (await request(RolesQuery, { first: 200 })).roles.edges.map((e) => e.node), []);
  const catalog = useLoad(async () => (viewer.can('organizations:read') ? (await request(CatalogQuery, {})).permissionCatalog : []), []);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [perms, setPerms] = useState<Set<string>>(new Set());
  const [deleting, setDeleting] = useState<{ id: string; name: string } | null>(null);
  const create = useSubmit();
  const act = useSubmit();
  const held = new Set(viewer.permissions.map((p) => p.permission));
  const writable = viewer.can('roles:write');

  return (
    <>
      <PageHead title="Roles" intro="Named sets of resource:action permissions. Users hold roles; keys act with at most their user’s permissions." />
      <ErrorNotice error={roles.error ?? act.error} />
      {roles.loading && !roles.data ? (
        <Loading what="Loading roles" />
      ) : (
        <div className="table-wrap">
          <table aria-label="Roles">
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">Permissions</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {(roles.data ?? []).length === 0 && <EmptyRow colSpan={3}>No roles yet.</EmptyRow>}
              {(roles.data ?? []).map((r) => (
                <tr key={r.id}>
                  <td>
                    <strong>{r.name}</strong>
                    {r.description && <div className="hint">{r.description}</div>}
                  </td>
                  <td>
                    {r.permissions.map((p) =>
                      p === '*' ? (
                        <span key={p}>
                          Every permission, including resources defined later (<code>*</code>)
                        </span>
                      ) : (
                        <code key={p} className="perm">
                          {p}
                        </code>
                      ),
                    )}
                  </td>
                  <td>
                    {writable && (
                      <button type="button" aria-label={`Delete role ${r.name}`} onClick={() => setDeleting(r)}>
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
      {writable && (
        <CreatePanel
          id="new-role"
          title="Create a role"
          submitLabel="Create role"
          state={create}
          onSubmit={async () => {
            ok(
              (await request(CreateRoleMutation, { input: { name: name.trim(), description: description.trim() || null, permissions: [...perms].sort() } }))
                .createRole,
              'CreateRoleSuccess',
            );
            setName('');
            setDescription('');
            setPerms(new Set());
            roles.reload();
          }}
        >
          <div className="row">
            <Field label="Name" error={create.fields.name}>
              {(p) => <input {...p} type="text" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
            </Field>
            <Field label="Description">
              {(p) => <input {...p} type="text" maxLength={1000} value={description} onChange={(e) => setDescription(e.target.value)} />}
            </Field>
          </div>
          {catalog.data && (
            <PermissionPicker legend="Permissions" catalog={catalog.data} value={perms} onChange={setPerms} grantable={(p) => held.has(p) || held.has('*')} />
          )}
        </CreatePanel>
      )}
      <ConfirmDialog
        open={!!deleting}
        title={`Delete the role ${deleting?.name ?? ''}?`}
        confirmLabel="Delete role"
        danger
        busy={act.busy}
        onCancel={() => setDeleting(null)}
        onConfirm={() =>
          void act.run(async () => {
            ok((await request(DeleteRoleMutation, { input: { id: deleting!.id } })).deleteRole, 'DeleteRoleSuccess');
            setDeleting(null);
            roles.reload();
          })
        }
      >
        <p>Users holding it lose its permissions at once, and so do their keys and console sessions.</p>
      </ConfirmDialog>
    </>
  );
}
