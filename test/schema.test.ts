import { readFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/graphql/schema.ts';

describe('schema.graphql', () => {
  it('matches the schema built from the code (run `npm run schema:print` after changing types)', () => {
    const file = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(file).toBe(`${printSchema(schema)}\n`);
  });

  it('gives every mutation one `input` argument and a <Name>Payload union with a success member', () => {
    const mutation = schema.getMutationType()!;
    for (const field of Object.values(mutation.getFields())) {
      expect(
        field.args.map((a) => a.name),
        field.name,
      ).toEqual(['input']);
      // The contract: a failed verification is an answer, not an error.
      if (field.name === 'verifyKey') {
        expect(String(field.type)).toBe('VerifyKeyResult!');
        continue;
      }
      const pascal = field.name[0]!.toUpperCase() + field.name.slice(1);
      expect(String(field.type), field.name).toBe(`${pascal}Payload!`);
      const payload = schema.getType(`${pascal}Payload`);
      expect(payload && 'getTypes' in payload ? payload.getTypes().map((t) => t.name) : [], field.name).toContain(`${pascal}Success`);
    }
  });
});
