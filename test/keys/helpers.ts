import type { CreateApiKeyInput } from '../gql/graphql.ts';
import { gql, success, type Auth, type TestServer } from '../harness.ts';
import { CreateApiKey, WhoAmI } from './ops.ts';

/** The calling key's record id (ApiKey.id), user and organisation. */
export async function whoAmI(server: TestServer, auth: Auth) {
  const res = await gql(server, auth, WhoAmI);
  if (!res.data) throw new Error(`viewer failed: ${res.status} ${JSON.stringify(res.errors)}`);
  const apiKey = res.data.viewer.apiKey!;
  return { apiKeyId: apiKey.id, keyId: apiKey.keyId, name: apiKey.name, userId: res.data.viewer.user.id, organizationId: res.data.viewer.organization.id };
}

/** Creates a key through the API and returns the success member. */
export async function createKey(server: TestServer, auth: Auth, input: Partial<CreateApiKeyInput> = {}) {
  const res = await gql(server, auth, CreateApiKey, { input: { name: `key-${Math.random().toString(36).slice(2, 8)}`, ...input } });
  return success(res.data?.createApiKey, 'CreateApiKeySuccess');
}

/** HTTP status of a request authenticated with `auth` (200 or 401). */
export async function statusOf(server: TestServer, auth: Auth): Promise<number> {
  return (await gql(server, auth, WhoAmI)).status;
}

/** Rows of raw SQL against the test database. */
export async function sql<T = Record<string, unknown>>(server: TestServer, query: string, params: unknown[] = []): Promise<T[]> {
  return server.app.orm.em.fork().getConnection().execute<T[]>(query, params);
}
