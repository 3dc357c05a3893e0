import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { CreateOrganization, DefineResource, Organizations, UpdateOrganization } from '../ops.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('organization errors', () => {
  it('names the invalid fields', async () => {
    const root = await seedOrg(server);
    const res = await gql(server, root.token, UpdateOrganization, { input: { id: root.organizationId, inactivityDays: -1, warningDays: [0, 400] } });
    const p = res.data?.updateOrganization;
    expect(p?.__typename).toBe('ValidationError');
    if (p?.__typename !== 'ValidationError') return;
    expect(p.fields.map((f) => f.path).sort()).toEqual(['input.inactivityDays', 'input.warningDays.0', 'input.warningDays.1']);
    const empty = await gql(server, root.token, CreateOrganization, { input: { name: '   ' } });
    expect(empty.data?.createOrganization.__typename).toBe('ValidationError');
  });

  it('refuses built-in resource names, bad identifiers and public actions that are not actions', async () => {
    const root = await seedOrg(server);
    for (const input of [
      { name: 'keys' },
      { name: 'Bad Name' },
      { name: 'invoices', actions: ['read'], publicActions: ['write'] },
      { name: 'x'.repeat(100) },
    ]) {
      const res = await gql(server, root.token, DefineResource, { input });
      expect(res.data?.defineResource.__typename, JSON.stringify(input).slice(0, 60)).toBe('ValidationError');
    }
  });

  it('answers NotFound for an unknown organisation and rejects bad cursors and page sizes', async () => {
    const root = await seedOrg(server);
    const res = await gql(server, root.token, UpdateOrganization, { input: { id: 'org_doesnotexist000000000', name: 'x' } });
    expect(res.data?.updateOrganization.__typename).toBe('NotFoundError');
    const bad = await gql(server, root.token, Organizations, { first: 1000 });
    expect(bad.errors?.[0]?.extensions?.code).toBe('VALIDATION');
    const cursor = await gql(server, root.token, Organizations, { after: 'not-a-cursor' });
    expect(cursor.errors?.[0]?.extensions?.code).toBe('VALIDATION');
  });

  it('limits nesting depth', async () => {
    const root = await seedOrg(server);
    let parentId = root.organizationId;
    let last = '';
    for (let i = 0; i < 9; i++) {
      const res = await gql(server, root.token, CreateOrganization, { input: { name: `L${i}`, parentId } });
      const p = res.data?.createOrganization;
      last = p?.__typename ?? '';
      if (p?.__typename !== 'CreateOrganizationSuccess') break;
      parentId = p.organization.id;
    }
    expect(last).toBe('ValidationError');
  });
});

describe('pagination', () => {
  it('refuses backward pagination arguments instead of ignoring them', async () => {
    const root = await seedOrg(server);
    const res = await gql(server, root.token, '{ organizations(last: 2) { edges { node { id } } } }');
    expect(res.errors?.[0]?.message).toMatch(/"last" is not supported/);
  });
});
