import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  getOperationAST,
  isInterfaceType,
  isObjectType,
  Kind,
  type SelectionSetNode,
  valueFromASTUntyped,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DEFAULT_PAGE } from '../lib/pagination.ts';

/**
 * The most nodes one request may ask for, counted the way GitHub counts them: every page of a
 * connection multiplies by its `first` (default page size when absent), nested pages by their
 * parents'. `auditLog(first: 100)` with every scalar field is 100 nodes, not a cost in fields.
 */
export const MAX_NODES = 50_000;

/** Nodes an operation may return at most, with its variables. */
export function countNodes(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): number {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const root =
    operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!root) return 0;

  const pageOf = (field: FieldNode): number => {
    const arg = field.arguments?.find((a) => a.name.value === 'first');
    if (!arg) return DEFAULT_PAGE;
    const v = valueFromASTUntyped(arg.value, variables ?? undefined);
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : DEFAULT_PAGE;
  };

  const walk = (set: SelectionSetNode, parent: GraphQLNamedType | null | undefined, multiplier: number, seen: ReadonlySet<string>): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (!parent || !(isObjectType(parent) || isInterfaceType(parent))) continue;
        const def = parent.getFields()[sel.name.value];
        if (!def) continue;
        const type = getNamedType(def.type);
        let m = multiplier;
        if (type.name.endsWith('Connection') || def.args.some((a) => a.name === 'first')) {
          m = multiplier * pageOf(sel);
          total += m;
        }
        if (sel.selectionSet) total += walk(sel.selectionSet, type, m, seen);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        total += walk(sel.selectionSet, sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent, multiplier, seen);
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        if (!fragment || seen.has(name)) continue;
        total += walk(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), multiplier, new Set([...seen, name]));
      }
    }
    return total;
  };
  return walk(operation.selectionSet, root, 1, new Set());
}

/** Refuses, before execution, an operation that could return more than MAX_NODES nodes. */
export function useNodeLimit(maxNodes = MAX_NODES): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const nodes = countNodes(args.schema, args.document, args.operationName, args.variableValues as Record<string, unknown> | undefined);
      if (nodes > maxNodes) {
        setResultAndStopExecution({
          errors: [
            new GraphQLError(`This query could return ${nodes} nodes; the limit is ${maxNodes}. Ask for smaller pages (first) or fewer nested connections.`, {
              extensions: { code: 'QUERY_TOO_COMPLEX', nodes, maxNodes },
            }),
          ],
        });
      }
    },
  };
}
