import { useState } from 'react';
import { EmptyRow, Badge, ConfirmDialog, ErrorNotice, Field, Loading, PageHead, CreatePanel } from '../components/ui.js';
import type { ConsoleUsersQuery, UserKind, UserStatus } from '../gql/graphql.js';
import { ok, request } from '../lib/api.js';
import { dateTime } from '../lib/format.js';
import { useLoad, useSubmit, useViewer } from '../lib/hooks.js';
import { AssignRolesMutation, CreateUserMutation, RolesQuery, UpdateUserMutation, UsersQuery } from '../lib/ops.js';

type User = ConsoleUsersQuery['users']['edges'][number]['node'];

/** People and service users: create, disable or re-enable, and choose their roles. */
export function UsersPage() {
  const viewer = useViewer();
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const users = useLoad(
    async () =>
      (await request(UsersQuery, { filter: { status: (status || null) as UserStatus | null, search: query || null }, first: 200 })).users.edges.map(
        (e) => e.node,
      ),
    [status, query],
  );
  const roles = useLoad(async () => (viewer.can('roles:read') ? (await request(RolesQuery, { first: 200 })).roles.edges.map((e) => e.node) : []), []);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [kind, setKind] = useState<UserKind>('HUMAN');
  const [editing, setEditing] = useState<User | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [toggle, setToggle] = useState<User | null>(null);
  const create = useSubmit();
  const act = useSubmit();
  const writable = viewer.can('users:write');

  return (
    <>
      <PageHead title="Users" intro="People and standalone API users (service accounts). A disabled user’s keys and console sessions stop at once." />
      <form
        className="filters"
        role="search"
        aria-label="Filter users"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(search.trim());
        }}
      >
        <Field label="Status">
          {(p) => (
            <select {...p} value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">Active and disabled</option>
              <option value="ACTIVE">Active</option>
              <option value="DISABLED">Disabled</option>
            </select>
          )}
        </Field>
        <Field label="Search">
          {(p) => <input {...p} type="search" placeholder="Name or email" maxLength={200} value={search} onChange={(e) => setSearch(e.target.value)} />}
        </Field>
        <button type="submit">Search</button>
      </form>
      <ErrorNotice error={users.error ?? act.error} />
      {users.loading && !users.data ? (
        <Loading what="Loading users" />
      ) : (
        <div className="table-wrap">
          <table aria-label="Users">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col" className="hide-narrow">
                  Kind
                </th>
                <th scope="col">Roles</th>
                <th scope="col" className="hide-narrow">
                  Created
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {(users.data ?? []).length === 0 && <EmptyRow colSpan={6}>No users match.</EmptyRow>}
              {(users.data ?? []).map((u) => (
                <tr key={u.id}>
                  <td>
                    {u.name}
                    {u.id === viewer.user.id && <span className="hint"> (you)</span>}
                    {u.email && <div className="hint">{u.email}</div>}
                  </td>
                  <td>
                    <Badge value={u.status} />
                  </td>
                  <td className="hide-narrow">{u.kind === 'SERVICE' ? 'Service' : 'Person'}</td>
                  <td>{u.roles?.length ? u.roles.map((r) => r.role?.name ?? 'a role outside your reach').join(', ') : <span className="hint">none</span>}</td>
                  <td className="hide-narrow">{dateTime(u.createdAt)}</td>
                  <td>
                    <div className="actions" style={{ marginTop: 0 }}>
                      {viewer.can('roles:write') && (
                        <button
                          type="button"
                          aria-label={`Roles of ${u.name}`}
                          onClick={() => {
                            setEditing(u);
                            setChosen(new Set((u.roles ?? []).map((r) => r.roleId)));
                          }}
                        >
                          Roles
                        </button>
                      )}
                      {writable && u.id !== viewer.user.id && (
                        <button type="button" aria-label={`${u.status === 'ACTIVE' ? 'Disable' : 'Enable'} ${u.name}`} onClick={() => setToggle(u)}>
                          {u.status === 'ACTIVE' ? 'Disable' : 'Enable'}
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {writable && (
        <CreatePanel
          id="new-user"
          title="Add a user"
          submitLabel="Add user"
          state={create}
          onSubmit={async () => {
            ok((await request(CreateUserMutation, { input: { name: name.trim(), email: email.trim() || null, kind } })).createUser, 'CreateUserSuccess');
            setName('');
            setEmail('');
            users.reload();
          }}
        >
          <div className="row">
            <Field label="Name" error={create.fields.name}>
              {(p) => <input {...p} type="text" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />}
            </Field>
            <Field label="Email" hint="Optional." error={create.fields.email}>
              {(p) => <input {...p} type="email" maxLength={320} value={email} onChange={(e) => setEmail(e.target.value)} />}
            </Field>
            <Field label="Kind">
              {(p) => (
                <select {...p} value={kind} onChange={(e) => setKind(e.target.value as UserKind)}>
                  <option value="HUMAN">Person</option>
                  <option value="SERVICE">Service user (standalone API user)</option>
                </select>
              )}
            </Field>
          </div>
        </CreatePanel>
      )}

      <ConfirmDialog
        open={!!editing}
        title={`Roles of ${editing?.name ?? ''}`}
        confirmLabel="Save roles"
        busy={act.busy}
        onCancel={() => setEditing(null)}
        onConfirm={() =>
          void act.run(async () => {
            ok(
              (await request(AssignRolesMutation, { input: { userId: editing!.id, roles: [...chosen].map((roleId) => ({ roleId })) } })).assignRoles,
              'AssignRolesSuccess',
            );
            setEditing(null);
            users.reload();
          })
        }
      >
        <fieldset>
          <legend>Roles</legend>
          {(roles.data ?? []).length === 0 && <p className="hint">No roles yet: create one on the Roles page.</p>}
          {(roles.data ?? []).map((r) => (
            <label key={r.id} className="choice">
              <input
                type="checkbox"
                checked={chosen.has(r.id)}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.target.checked) next.add(r.id);
                  else next.delete(r.id);
                  setChosen(next);
                }}
              />
              <span>
                {r.name} <span className="hint">{r.permissions.join(', ')}</span>
              </span>
            </label>
          ))}
        </fieldset>
      </ConfirmDialog>

      <ConfirmDialog
        open={!!toggle}
        title={toggle?.status === 'ACTIVE' ? `Disable ${toggle?.name}?` : `Enable ${toggle?.name}?`}
        confirmLabel={toggle?.status === 'ACTIVE' ? 'Disable user' : 'Enable user'}
        danger={toggle?.status === 'ACTIVE'}
        busy={act.busy}
        onCancel={() => setToggle(null)}
        onConfirm={() =>
          void act.run(async () => {
            ok(
              (await request(UpdateUserMutation, { input: { id: toggle!.id, status: toggle!.status === 'ACTIVE' ? 'DISABLED' : 'ACTIVE' } })).updateUser,
              'UpdateUserSuccess',
            );
            setToggle(null);
            users.reload();
          })
        }
      >
        <p>
          {toggle?.status === 'ACTIVE'
            ? 'All of this user’s keys and console sessions stop working at once.'
            : 'The user’s keys work again (unless revoked or expired).'}
        </p>
      </ConfirmDialog>
    </>
  );
}
