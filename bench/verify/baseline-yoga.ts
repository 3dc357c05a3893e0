import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';
import { bareAuthenticate, bareVerify, loadFixture, type BareKey } from './baseline-core.ts';

/** A plain Yoga server (defaults) whose verifyKey resolver does the same work as Keyplane's. */
const { pepper, keys } = loadFixture(process.env.BENCH_FIXTURE!);

const yoga = createYoga({
  schema: createSchema<{ caller: BareKey | null }>({
    typeDefs: /* GraphQL */ `
      input VerifyKeyInput { token: String keyId: String secret: String ip: String permission: String resource: String }
      type PermissionGrant { permission: String! resourceIds: [String!] }
      type VerifyKeyResult { valid: Boolean! code: String! organizationId: ID userId: ID permissions: [PermissionGrant!]! withheldFields: [String!]! remaining: Int }
      type Query { ok: Boolean }
      type Mutation { verifyKey(input: VerifyKeyInput!): VerifyKeyResult! }
    `,
    resolvers: {
      Mutation: {
        verifyKey: (_r: unknown, { input }: { input: { token?: string; permission?: string } }, ctx: { caller: BareKey | null }) => {
          if (!ctx.caller) throw new Error('forbidden');
          return bareVerify(pepper, keys, input.token, input.permission);
        },
      },
    },
  }),
  context: ({ request }): { caller: BareKey | null } => ({ caller: bareAuthenticate(pepper, keys, request.headers.get('authorization') ?? undefined) }),
  logging: false,
  graphiql: false,
});

const server = createServer(yoga);
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
