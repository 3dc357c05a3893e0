import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from './context.ts';

/**
 * A mutation reads from the primary (its payload shows its own write) and marks its caller as a
 * writer, so the caller's next requests (on any API replica) read from the primary until the
 * bound passes. Queries of other callers read list pages and reports from the replica.
 */
export function readYourWrites(): Plugin<Context> {
  return {
    async onExecute({ args }) {
      if (getOperationAST(args.document, args.operationName)?.operation !== 'mutation') return;
      const ctx = args.contextValue;
      ctx.writes = true;
      await ctx.deps.reads.wrote(ctx.actor.key.id);
    },
  };
}
