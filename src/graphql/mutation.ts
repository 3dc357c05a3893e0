import type { FieldMap, InputFieldMap, InputObjectRef, ObjectRef } from '@pothos/core';
import { builder, needs } from './builder.ts';
import type { Context } from './context.ts';
import type { z } from 'zod';
import { parseInput } from '../lib/validation.ts';
import { MUTATION_ERRORS } from './errors.ts';

const pascal = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** The schema's Pothos types (context, scopes, scalars). */
export type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
/** The field builder a mutation's success type is declared with; `S` is what the resolver returns. */
export type SuccessFieldBuilder<S> = PothosSchemaTypes.ObjectFieldBuilder<Types, S>;
/** The field builder of a mutation's input type. */
export type InputBuilder = PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>;

/**
 * Declares a contract mutation: one `input` argument, a `<Name>Success` type and a
 * `<Name>Payload` union of it with the typed errors. Resolvers stay thin: parse, call a service.
 */
export function defineMutation<Fields extends InputFieldMap, S extends z.ZodType, Success extends object>(
  name: string,
  opts: {
    permission: string;
    description?: string;
    input: (t: InputBuilder) => Fields;
    /**
     * The service's own schema for this input (the one it parses with), declared once beside the
     * service: checked here after the scope check and before the resolver, so a bad input is the
     * payload's typed ValidationError before anything is loaded. (@pothos/plugin-validation runs
     * its checks as argument mappers, outside the errors plugin and before the scope check.)
     */
    validate: S;
    /** Fields of the success type, whose parent is what `resolve` returns (declared after it so that it is inferred from it). */
    success: (t: SuccessFieldBuilder<NoInfer<Success>>) => FieldMap;
    /** Gets the input as `validate` parsed it (defaults applied, strings trimmed): services take it typed. */
    resolve: (input: z.output<S>, ctx: Context) => Promise<Success>;
    /** Skip the management scope (e.g. verifyKey). */
    scopes?: Record<string, unknown>;
  },
) {
  const Pascal = pascal(name);
  // The refs the field sees are widened (an upcast, checked): the resolver parses the input with
  // `validate` whatever its declared shape, and returns a Success, which is an object.
  const Input: InputObjectRef<Types, object> = builder.inputType(`${Pascal}Input`, { fields: opts.input });
  const Success: ObjectRef<Types, object> = builder.objectRef<Success>(`${Pascal}Success`).implement({ fields: opts.success });
  builder.mutationField(name, (t) =>
    t.field({
      type: Success,
      description: opts.description,
      args: { input: t.arg({ type: Input, required: true }) },
      authScopes: opts.scopes ?? needs(opts.permission),
      errors: { types: MUTATION_ERRORS, directResult: true, union: { name: `${Pascal}Payload` } },
      resolve: (_root, args, ctx) => opts.resolve(parseInput(opts.validate, args.input), ctx),
    }),
  );
}
