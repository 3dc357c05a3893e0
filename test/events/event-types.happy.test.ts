import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_SAMPLES } from '../../connectors/zapier/src/samples.ts';
import { EVENT_TYPES } from '../../src/modules/events/event.types.ts';
import { userWithKey } from '../fixtures.ts';
import { gql, seedOrg, startTestServer, type TestServer } from '../harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const EventTypes = 'query { eventTypes { type description schema } }';
type Info = { type: string; description: string; schema: Record<string, unknown> };

describe('the event type catalogue', () => {
  it('lists every type Keyplane emits, each with a description and a JSON Schema its events satisfy', async () => {
    const org = await seedOrg(server);
    const res = await gql<{ eventTypes: Info[] }, Record<string, never>>(server, org.token, EventTypes);
    expect(res.errors).toBeUndefined();
    const list = res.data!.eventTypes;
    expect(list.map((i) => i.type)).toEqual([...EVENT_TYPES]);
    // Real events of this organisation (bootstrap, a user, a role, a key) and the Zapier samples.
    await userWithKey(server, org.token, org.organizationId, ['keys:read']);
    const feed = await gql<{ events: { edges: { node: Record<string, unknown> }[] } }, Record<string, never>>(
      server,
      org.token,
      'query { events(first: 100) { edges { node { id type occurredAt organizationId data } } } }',
    );
    const events = [...feed.data!.events.edges.map((e) => e.node), ...Object.values(EVENT_SAMPLES as Record<string, Record<string, unknown>>)];
    expect(new Set(events.map((e) => e.type)).size).toBeGreaterThanOrEqual(6);
    const validators = new Map(
      list.map((info) => {
        expect(info.description.length, info.type).toBeGreaterThan(10);
        const ajv = new Ajv2020({ strict: true, allErrors: true });
        (addFormats as unknown as (a: Ajv2020) => void)(ajv);
        return [info.type, ajv.compile(info.schema)] as const;
      }),
    );
    for (const event of events) {
      for (const [type, validate] of validators) {
        // Each event passes its own type's schema and no other's.
        expect(validate(event), `${String(event.type)} against ${type}: ${JSON.stringify(validate.errors)}`).toBe(type === event.type);
      }
    }
  });

  it('needs events:read', async () => {
    const org = await seedOrg(server);
    const reader = await userWithKey(server, org.token, org.organizationId, ['keys:read']);
    const res = await gql(server, reader.token, EventTypes);
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
