import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildHeaders, generateWebhookSecret, signPayload } from '../../webhook/index.js';

/** docs/integrations.md: what it tells Make and n8n users to paste must work against this Keyplane. */
const doc = readFileSync(new URL('../../../docs/integrations.md', import.meta.url), 'utf8');
const schema = buildSchema(readFileSync(new URL('../../../schema.graphql', import.meta.url), 'utf8'));

/** The fenced blocks that follow an `<!-- example: kind -->` marker. */
function examples(kind: string): string[] {
  const re = new RegExp(`<!-- example: ${kind} -->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\\n\\s*\`\`\``, 'g');
  return [...doc.matchAll(re)].map((m) => m[1]!.replace(/^ {2}/gm, ''));
}

function graphqlErrors(source: string): string[] {
  return validate(schema, parse(source)).map((e) => e.message);
}

describe('docs/integrations.md', () => {
  it('shows GraphQL operations that are valid against schema.graphql', () => {
    const ops = examples('graphql');
    expect(ops.length).toBeGreaterThanOrEqual(4);
    for (const op of ops) expect({ op: op.split('\n')[0], errors: graphqlErrors(op) }).toEqual({ op: op.split('\n')[0], errors: [] });
  });

  it('gives HTTP request bodies whose queries are valid', () => {
    const bodies = examples('request');
    expect(bodies).toHaveLength(2);
    for (const body of bodies) {
      const { query, variables } = JSON.parse(body) as { query: string; variables: Record<string, unknown> };
      expect(graphqlErrors(query)).toEqual([]);
      expect(Object.keys(variables).length).toBeGreaterThan(0);
    }
  });

  it('shows an event that matches connectors/event.schema.json', () => {
    const ajv = new Ajv2020({ strict: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    const check = ajv.compile(JSON.parse(readFileSync(new URL('../../event.schema.json', import.meta.url), 'utf8')));
    const [event] = examples('event');
    expect(check(JSON.parse(event!)), JSON.stringify(check.errors)).toBe(true);
  });

  describe('the n8n Code node', () => {
    const [code] = examples('n8n-code');
    const secret = generateWebhookSecret();
    const body = JSON.stringify({
      id: 'evt_1aB2cD3eF4gH5iJ6kL7m',
      type: 'api_key.created',
      occurredAt: new Date().toISOString(),
      organizationId: 'org_x',
      data: {},
    });

    /** Runs the documented code as n8n does: `$input`, `$env`, `this.helpers`, a `require` limited to crypto. */
    async function runNode(items: { headers: Record<string, string>; raw: string }[]) {
      const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;
      const fn = new AsyncFunction('require', '$input', '$env', code!);
      const nodeRequire = createRequire(import.meta.url);
      const context = {
        helpers: { getBinaryDataBuffer: async (i: number, prop: string) => (prop === 'data' ? Buffer.from(items[i]!.raw, 'utf8') : undefined) },
      };
      const $input = { all: () => items.map((it) => ({ json: { headers: it.headers, body: {} }, binary: { data: {} } })) };
      return fn.call(context, (m: string) => (m === 'crypto' ? nodeRequire('crypto') : undefined), $input, { KEYPLANE_WEBHOOK_SECRET: secret });
    }

    function signed(opts: { secrets?: string[]; timestamp?: number; raw?: string } = {}) {
      const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
      const signature = signPayload({ secrets: opts.secrets ?? [secret], msgId: 'evt_1aB2cD3eF4gH5iJ6kL7m', timestamp, body });
      return { headers: { ...buildHeaders({ msgId: 'evt_1aB2cD3eF4gH5iJ6kL7m', timestamp, signature }) } as Record<string, string>, raw: opts.raw ?? body };
    }

    it('passes a delivery signed as Keyplane signs it, also with two signatures', async () => {
      expect(await runNode([signed()])).toEqual([{ json: JSON.parse(body) }]);
      expect(await runNode([signed({ secrets: [generateWebhookSecret(), secret] })])).toEqual([{ json: JSON.parse(body) }]);
    });

    it('stops on a tampered body, a foreign secret or a stale timestamp', async () => {
      await expect(runNode([signed({ raw: body.replace('api_key.created', 'api_key.revoked') })])).rejects.toThrow(/signature does not match/);
      await expect(runNode([signed({ secrets: [generateWebhookSecret()] })])).rejects.toThrow(/signature does not match/);
      await expect(runNode([signed({ timestamp: Math.floor(Date.now() / 1000) - 600 })])).rejects.toThrow(/stale/);
    });
  });
});
