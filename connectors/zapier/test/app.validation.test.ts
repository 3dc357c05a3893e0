import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import App from '../src/index.js';

// zapier-platform-core's schema tools are CommonJS-only subpaths; load them as Zapier's CLI does.
const require = createRequire(import.meta.url);
const { compileApp, serializeApp } = require('zapier-platform-core/src/tools/schema') as {
  compileApp(app: unknown): Record<string, any>;
  serializeApp(app: unknown): Record<string, any>;
};
type Validator = { validate(definition: unknown): { errors: { stack: string; property: string }[] } };
const { validateAppDefinition } = require('zapier-platform-schema') as { validateAppDefinition: Validator['validate'] };
const TriggerSchema = require('zapier-platform-schema/lib/schemas/TriggerSchema') as Validator;
const CreateSchema = require('zapier-platform-schema/lib/schemas/CreateSchema') as Validator;
const SearchSchema = require('zapier-platform-schema/lib/schemas/SearchSchema') as Validator;

/** What Zapier's CLI validates: the compiled app with functions replaced by placeholders. */
function serialized(app: unknown): Record<string, any> {
  return serializeApp(compileApp(app));
}

function errorsOf(app: unknown): string[] {
  return validateAppDefinition(serialized(app)).errors.map((e) => e.stack);
}

/** A deep copy with functions kept, to break one thing at a time. */
function copy<T>(value: T): T {
  if (typeof value === 'function' || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copy) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)])) as T;
}

const app = serialized(App);

describe('the Zapier app definition (offline, zapier-platform-schema)', () => {
  it('passes app-level validation', () => {
    expect(errorsOf(App)).toEqual([]);
  });

  it('declares the triggers, creates, searches and search-or-creates of the integration', () => {
    expect(Object.keys(app.triggers).sort()).toEqual(
      [
        'api_key_expired',
        'api_key_expiring_soon',
        'api_key_revoked',
        'api_key_rotated',
        'list_api_keys',
        'list_roles',
        'list_users',
        'new_api_key',
        'new_user',
      ].sort(),
    );
    expect(Object.keys(app.creates).sort()).toEqual(['create_api_key', 'create_user', 'revoke_api_key', 'rotate_api_key']);
    expect(Object.keys(app.searches).sort()).toEqual(['find_api_key', 'find_user']);
    expect(app.searchOrCreates).toMatchObject({
      find_api_key: { search: 'find_api_key', create: 'create_api_key' },
      find_user: { search: 'find_user', create: 'create_user' },
    });
    expect(app.platformVersion).toBe(JSON.parse(readFileSync(new URL('../node_modules/zapier-platform-core/package.json', import.meta.url), 'utf8')).version);
    expect(app.version).toBe(require('../package.json').version);
  });

  it('validates every trigger, create and search against its own schema', () => {
    const checks: [string, Validator, Record<string, unknown>][] = [
      ...Object.entries(app.triggers).map(([k, v]) => [`trigger ${k}`, TriggerSchema, v] as [string, Validator, Record<string, unknown>]),
      ...Object.entries(app.creates).map(([k, v]) => [`create ${k}`, CreateSchema, v] as [string, Validator, Record<string, unknown>]),
      ...Object.entries(app.searches).map(([k, v]) => [`search ${k}`, SearchSchema, v] as [string, Validator, Record<string, unknown>]),
    ];
    expect(checks).toHaveLength(15);
    for (const [name, schema, definition] of checks) {
      expect({ name, errors: schema.validate(definition).errors.map((e) => e.stack) }).toEqual({ name, errors: [] });
    }
  });

  it('uses custom auth with the key as a password field, tested by a function', () => {
    expect(app.authentication.type).toBe('custom');
    expect(app.authentication.fields).toEqual([
      expect.objectContaining({ key: 'baseUrl', type: 'string', required: true }),
      expect.objectContaining({ key: 'apiKey', type: 'password', required: true }),
    ]);
    expect(app.authentication.test).toMatch(/^\$func\$/);
    expect(app.authentication.connectionLabel).toMatch(/^\$func\$/);
  });

  it('makes the REST-hook triggers subscribe, unsubscribe, receive and list', () => {
    const hooks = Object.values(app.triggers).filter((t: any) => t.operation.type === 'hook');
    expect(hooks).toHaveLength(6);
    for (const t of hooks as any[]) {
      for (const fn of ['perform', 'performList', 'performSubscribe', 'performUnsubscribe']) expect(t.operation[fn], `${t.key}.${fn}`).toMatch(/^\$func\$/);
      expect(t.operation.sample).toMatchObject({ id: expect.stringMatching(/^evt_/), type: expect.any(String), data: expect.any(Object) });
    }
  });

  it('marks the once-only token and secret outputs as passwords', () => {
    for (const key of ['create_api_key', 'rotate_api_key']) {
      const fields = app.creates[key].operation.outputFields as { key: string; type?: string }[];
      expect(fields.filter((f) => f.key === 'token' || f.key === 'secret').map((f) => f.type)).toEqual(['password', 'password']);
    }
    expect(JSON.stringify(app.creates.revoke_api_key.operation.outputFields)).not.toMatch(/"(token|secret)"/);
  });
});

describe('a broken definition fails validation', () => {
  // The app-level schema does not look inside operations for samples: the operation schema does.
  it('a visible trigger without a sample', () => {
    const broken = copy(App) as any;
    delete broken.triggers.new_api_key.operation.sample;
    expect(
      TriggerSchema.validate(serialized(broken).triggers.new_api_key)
        .errors.map((e) => e.stack)
        .join('\n'),
    ).toMatch(/requires "sample"/);
  });

  it('a create without perform', () => {
    const broken = copy(App) as any;
    delete broken.creates.create_user.operation.perform;
    expect(errorsOf(broken).join('\n')).toMatch(/creates\.create_user\.operation.*perform/);
  });

  it('a search with an invalid key', () => {
    const broken = copy(App) as any;
    broken.searches.find_user.key = 'find-user!';
    expect(errorsOf(broken).length).toBeGreaterThan(0);
    expect(SearchSchema.validate(serialized(broken).searches.find_user).errors).not.toEqual([]);
  });

  it('a search-or-create naming a create that does not exist', () => {
    const broken = copy(App) as any;
    broken.searchOrCreates.find_user.create = 'create_person';
    expect(errorsOf(broken).join('\n')).toMatch(/searchOrCreates\.find_user\.create must match a "key" from a create/);
  });

  it('the key field declared as no secret', () => {
    const broken = copy(App) as any;
    broken.authentication.fields[1].isNoSecret = true;
    expect(errorsOf(broken).join('\n')).toMatch(/sensitive key "apiKey"/);
  });

  it('the api_key auth type, which Zapier Platform 19 no longer has', () => {
    const broken = copy(App) as any;
    broken.authentication.type = 'api_key';
    expect(errorsOf(broken).join('\n')).toMatch(/authentication\.type/);
  });
});
