import { readFileSync } from 'node:fs';
import { buildSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType, isUnionType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DESCRIPTIONS } from '../../src/graphql/descriptions.ts';

/** Issue 18, item 5: every type, field, argument and enum value of the API says what it is. */
const schema = buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));

/** Everything in the schema without a description, by coordinate (Type, Type.field, Type.field(arg:), Enum.VALUE). */
function undocumented(): string[] {
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
    if (!type.description?.trim()) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!field.description?.trim()) missing.push(`${type.name}.${field.name}`);
        for (const arg of 'args' in field ? field.args : []) if (!arg.description?.trim()) missing.push(`${type.name}.${field.name}(${arg.name}:)`);
      }
    }
    if (isEnumType(type)) for (const v of type.getValues()) if (!v.description?.trim()) missing.push(`${type.name}.${v.name}`);
    if (isUnionType(type) || isScalarType(type)) continue;
  }
  return missing;
}

describe('the schema’s documentation', () => {
  it('describes every type, field, argument and enum value', () => {
    expect(undocumented()).toEqual([]);
  });

  it('has no description for something the schema does not have', () => {
    const exists = (coordinate: string): boolean => {
      const m = /^(\w+)(?:\.(\w+)(?:\((\w+):\))?)?$/.exec(coordinate);
      const type = m ? schema.getType(m[1]!) : undefined;
      if (!m || !type) return false;
      if (!m[2]) return true;
      if (isEnumType(type)) return type.getValues().some((v) => v.name === m[2]);
      if (!(isObjectType(type) || isInterfaceType(type) || isInputObjectType(type))) return false;
      const field = type.getFields()[m[2]];
      if (!field) return false;
      return !m[3] || ('args' in field && field.args.some((a) => a.name === m[3]));
    };
    expect(Object.keys(DESCRIPTIONS).filter((c) => !exists(c))).toEqual([]);
  });

  it('states the page-size limit on every list', () => {
    const lists = Object.values(schema.getQueryType()!.getFields()).filter((f) => f.args.some((a) => a.name === 'first'));
    expect(lists.length).toBeGreaterThan(8);
    for (const l of lists) expect(l.args.find((a) => a.name === 'first')!.description, l.name).toMatch(/1 to 200/);
  });
});
