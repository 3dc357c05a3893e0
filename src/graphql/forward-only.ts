import { GraphQLError, getNamedType, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Lists page forward only (keyset on a stable order: `first` + `after`). Relay connections
 * still declare `before`/`last`; this rule refuses them instead of silently ignoring them.
 */
export const forwardOnlyConnections: ValidationRule = (context) => ({
  Argument(node) {
    if (node.name.value !== 'before' && node.name.value !== 'last') return;
    const field = context.getFieldDef();
    if (field && getNamedType(field.type).name.endsWith('Connection'))
      context.reportError(new GraphQLError(`"${node.name.value}" is not supported: page forward with "first" and "after"`, { nodes: [node] }));
  },
});

export function useForwardOnlyConnections(): Plugin {
  return { onValidate: ({ addValidationRule }) => addValidationRule(forwardOnlyConnections) };
}
