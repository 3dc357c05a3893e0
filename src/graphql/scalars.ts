import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { builder } from './builder.ts';

const MAX_JSON_BYTES = 16_384;

builder.scalarType('DateTime', {
  description: 'An ISO-8601 date-time with offset, e.g. 2026-11-23T10:00:00Z',
  serialize: (v) => (v instanceof Date ? v.toISOString() : new Date(v as string).toISOString()),
  parseValue: (v) => parseDate(v),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string');
    return parseDate(ast.value);
  },
});

function parseDate(v: unknown): Date {
  if (typeof v !== 'string' || v.length > 40 || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(v))
    throw new GraphQLError('DateTime must be an ISO-8601 string with a time zone');
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new GraphQLError('DateTime is not a valid date');
  return d;
}

function literalToJson(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map(literalToJson);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value)]));
    default:
      throw new GraphQLError('JSON literals cannot contain variables');
  }
}

function boundedJson(v: unknown): unknown {
  const s = JSON.stringify(v);
  if (s !== undefined && Buffer.byteLength(s) > MAX_JSON_BYTES) throw new GraphQLError(`JSON values are limited to ${MAX_JSON_BYTES} bytes`);
  return v;
}

builder.scalarType('JSON', {
  description: 'Arbitrary JSON (at most 16 KiB)',
  serialize: (v) => v,
  parseValue: boundedJson,
  parseLiteral: (ast) => boundedJson(literalToJson(ast)),
});
