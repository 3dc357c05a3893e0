import { type AppError, ConflictError, ForbiddenError, NotFoundError, PolicyViolationError, ValidationError, type FieldError } from '../lib/errors.ts';
import { builder } from './builder.ts';

export const ErrorCodeEnum = builder.enumType('ErrorCode', {
  values: ['VALIDATION', 'NOT_FOUND', 'FORBIDDEN', 'CONFLICT', 'UNAUTHENTICATED', 'RATE_LIMITED', 'POLICY_VIOLATION'] as const,
});

export const ErrorInterface = builder.interfaceRef<AppError>('Error').implement({
  description: 'An expected failure; switch on __typename or code.',
  fields: (t) => ({
    code: t.field({ type: ErrorCodeEnum, resolve: (e) => e.code }),
    message: t.exposeString('message'),
  }),
});

const FieldErrorRef = builder.objectRef<FieldError>('FieldError').implement({
  fields: (t) => ({ path: t.exposeString('path'), message: t.exposeString('message') }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ValidationError,
  fields: (t) => ({ fields: t.field({ type: [FieldErrorRef], resolve: (e) => e.fields }) }),
});
builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof NotFoundError,
  fields: (t) => ({ resource: t.exposeString('resource'), id: t.exposeString('id') }),
});
builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ForbiddenError,
  fields: (t) => ({ missingPermission: t.string({ nullable: true, resolve: (e) => e.missingPermission ?? null }) }),
});
builder.objectType(ConflictError, {
  name: 'ConflictError',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ConflictError,
  fields: () => ({}),
});

export const KeyPolicyNameEnum = builder.enumType('KeyPolicyName', {
  description: 'A key policy of an organisation.',
  values: {
    MAX_LIFETIME: { description: 'Keys need a validUntil within the maximum lifetime.' },
    ALLOWED_KINDS: { description: 'Only the allowed kinds of key may be made.' },
    IP_ALLOWLIST_REQUIRED: { description: 'Keys need an IP allowlist.' },
  } as const,
});
builder.objectType(PolicyViolationError, {
  name: 'PolicyViolationError',
  description: 'The change breaks a key policy of the organisation (its own, or inherited from an agency above it).',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof PolicyViolationError,
  fields: (t) => ({
    policy: t.field({ type: KeyPolicyNameEnum, description: 'Which policy.', resolve: (e) => e.policy }),
    policyOrganizationId: t.exposeID('policyOrganizationId', { description: 'The organisation that set it.' }),
  }),
});

/** The error members every mutation payload carries. */
export const MUTATION_ERRORS = [ValidationError, NotFoundError, ForbiddenError, ConflictError, PolicyViolationError];
