import type { FieldMap, InputFieldMap, InputShapeFromFields, ObjectRef } from '@pothos/core';
import { builder, needs } from './builder.ts';
import type { Context } from './context.ts';
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
export function defineMutation<Fields extends InputFieldMap, Success extends object>(
  name: string,
  opts: {
    permission: string;
    description?: string;
    input: (t: InputBuilder) => Fields;
    /** Field parents are annotated where declared (the resolved success value). */
    success: (t: SuccessFieldBuilder<never>) => FieldMap;
    resolve: (input: InputShapeFromFields<Fields>, ctx: Context) => Promise<Success>;
    /** Skip the management scope (e.g. verifyKey). */
    scopes?: Record<string, unknown>;
  },
) {
  const Pascal = pascal(name);
  const Input = builder.inputType(`${Pascal}Input`, { fields: opts.input as never });
  const Success = builder.objectRef<Success>(`${Pascal}Success`).implement({ fields: opts.success as never });
  builder.mutationField(name, (t) =>
    t.field({
      type: Success as ObjectRef<Types, Success>,
      description: opts.description,
      args: { input: t.arg({ type: Input, required: true }) },
      authScopes: (opts.scopes ?? needs(opts.permission)) as never,
      errors: { types: MUTATION_ERRORS, directResult: true, union: { name: `${Pascal}Payload` } },
      resolve: (_root: unknown, args: { input: unknown }, ctx: Context) => opts.resolve(args.input as InputShapeFromFields<Fields>, ctx),
    } as never),
  );
}
