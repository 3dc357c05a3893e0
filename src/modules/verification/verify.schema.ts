import { GraphQLError } from 'graphql';
import { isDatabaseUnavailable } from '../../infra/db-errors.ts';
import { builder } from '../../graphql/builder.ts';
import { ApiKeyRef, PermissionGrantRef } from '../keys/api-key.schema.ts';
import { LimiterUnavailableError, type RateLimitState } from './verifier.ts';
import { VERIFY_CODES } from '../../lib/verify-codes.ts';
import { verifyKey, type VerifyKeyResult } from './verify.service.ts';

export const VerifyCodeEnum = builder.enumType('VerifyCode', {
  values: VERIFY_CODES,
  description: 'Why a verification answered as it did; the checks run in the order listed, the first failure answers.',
});

const RateLimitStateRef = builder.objectRef<RateLimitState>('RateLimitState').implement({
  description: 'The key’s rate-limit window after this call.',
  fields: (t) => ({
    limit: t.exposeInt('limit'),
    remaining: t.exposeInt('remaining'),
    resetAt: t.expose('resetAt', { type: 'DateTime', description: 'When the current window ends and the count starts again.' }),
  }),
});

export const VerifyKeyResultRef = builder.objectRef<VerifyKeyResult>('VerifyKeyResult').implement({
  description: 'The answer to verifyKey. A failed verification is an answer (valid: false and its code), not an error.',
  fields: (t) => ({
    valid: t.exposeBoolean('valid'),
    code: t.field({ type: VerifyCodeEnum, resolve: (r) => r.code }),
    apiKey: t.field({
      type: ApiKeyRef,
      nullable: true,
      description:
        'The verified key once its secret matched. Selecting it reads the key from the database; the other fields never do. Its nested objects (user, organization) follow the caller’s reach.',
      resolve: (r, _a, ctx) => {
        if (!r.key) return null;
        // Verifying grants sight of the verified key itself, not of what lies around it.
        ctx.reach.grant('ApiKey', r.key.id);
        return ctx.reach.load('ApiKey', r.key.id);
      },
    }),
    organizationId: t.id({ nullable: true, resolve: (r) => r.organizationId }),
    userId: t.id({ nullable: true, resolve: (r) => r.userId }),
    permissions: t.field({
      type: [PermissionGrantRef],
      description:
        'The key’s effective permissions (its user’s roles ∩ its restriction ∩ public actions for publishable keys); empty until its secret matched.',
      resolve: (r) => r.permissions,
    }),
    withheldFields: t.stringList({
      description: 'For a publishable key: the sensitive fields of the asked permission’s resource, which the host must not show.',
      resolve: (r) => r.withheldFields,
    }),
    remaining: t.int({ nullable: true, description: 'Credits left after this call; null when the key has no credits.', resolve: (r) => r.remaining }),
    poolRemaining: t.int({
      nullable: true,
      description: 'Credits left in the pool of the key’s customer after this call; null when there is no pool.',
      resolve: (r) => r.poolRemaining,
    }),
    rateLimit: t.field({ type: RateLimitStateRef, nullable: true, resolve: (r) => r.rateLimit }),
  }),
});

const VerifyKeyInput = builder.inputType('VerifyKeyInput', {
  description: 'The key as a full token, or as key id + secret; the end user’s address; the permission and resource instance asked for.',
  fields: (t) => ({
    token: t.string(),
    keyId: t.string(),
    secret: t.string(),
    ip: t.string({ description: 'The address the host application saw the request come from (checked against the key’s allowlist).' }),
    permission: t.string({ description: 'e.g. attendees:read' }),
    resource: t.string({ description: 'The resource instance id, for permissions limited to chosen instances.' }),
    cost: t.int({ description: 'Credits this call spends, from the key’s credits and its customer’s pool (default 1; 1 to 1,000,000).' }),
  }),
});

builder.mutationField('verifyKey', (t) =>
  t.field({
    type: VerifyKeyResultRef,
    description:
      'Verifies a key for the host application. Needs keys:verify (not the management scope); keys outside the caller’s organisation and its sub-accounts answer NOT_FOUND. ' +
      'Returns the result directly: every failure is a code. POST /v1/keys/verify serves the same answer without GraphQL.',
    args: { input: t.arg({ type: VerifyKeyInput, required: true }) },
    authScopes: { permission: 'keys:verify' },
    resolve: async (_r, { input }, ctx) => {
      try {
        return await verifyKey(ctx, input);
      } catch (err) {
        if (err instanceof LimiterUnavailableError)
          throw new GraphQLError('Rate limits and credits cannot be checked right now; retry', { extensions: { code: 'UNAVAILABLE' } });
        if (isDatabaseUnavailable(err)) throw new GraphQLError('Keys cannot be loaded right now; retry', { extensions: { code: 'UNAVAILABLE' } });
        throw err;
      }
    },
  }),
);
