import { defineCreate } from 'zapier-platform-core';
import { execute, expectSuccess } from '../client.js';
import { AssignRoles, CreateUser } from '../operations.js';
import { USER_SAMPLE } from '../samples.js';

export const createUser = defineCreate({
  key: 'create_user',
  noun: 'User',
  display: {
    label: 'Create User',
    description: 'Creates a person or a standalone API (service) user, optionally with roles.',
  },
  operation: {
    inputFields: [
      { key: 'name', label: 'Name', type: 'string', required: true },
      { key: 'email', label: 'Email', type: 'string', required: false, helpText: 'Unique within the organization.' },
      {
        key: 'kind',
        label: 'Kind',
        type: 'string',
        required: false,
        default: 'HUMAN',
        choices: [
          { value: 'HUMAN', label: 'Person', sample: 'HUMAN' },
          { value: 'SERVICE', label: 'Service user (standalone API user)', sample: 'SERVICE' },
        ],
      },
      {
        key: 'roleIds',
        label: 'Roles',
        type: 'string',
        required: false,
        list: true,
        dynamic: 'list_roles.id.name',
        helpText: 'Roles to assign right after the user is created. You can only assign permissions you hold.',
      },
    ],
    perform: async (z, bundle) => {
      const { name, email, kind, roleIds } = bundle.inputData;
      const created = await execute(z, bundle, CreateUser, {
        input: { name: String(name), email: email ? String(email) : null, kind: kind === 'SERVICE' ? 'SERVICE' : 'HUMAN' },
      });
      const { user } = expectSuccess(z, created.createUser, 'CreateUserSuccess');
      const roles = (Array.isArray(roleIds) ? roleIds : roleIds ? [roleIds] : []).map(String).filter(Boolean);
      if (roles.length === 0) return { ...user, roles: [] };
      // Two mutations: if the assignment is refused the user exists without roles, and the error says why.
      const assigned = await execute(z, bundle, AssignRoles, { input: { userId: user.id, roles: roles.map((roleId) => ({ roleId })) } });
      const { user: withRoles } = expectSuccess(z, assigned.assignRoles, 'AssignRolesSuccess');
      return { ...user, roles: (withRoles.roles ?? []).flatMap((r) => (r.role ? [r.role] : [])) };
    },
    sample: { ...USER_SAMPLE, roles: [] },
    outputFields: [
      { key: 'id', label: 'User ID' },
      { key: 'name', label: 'Name' },
      { key: 'email', label: 'Email' },
      { key: 'kind', label: 'Kind' },
      { key: 'status', label: 'Status' },
      { key: 'organizationId', label: 'Organization ID' },
      { key: 'createdAt', label: 'Created At', type: 'datetime' },
    ],
  },
});
