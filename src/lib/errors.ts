import { GraphQLError } from 'graphql';

export type ErrorCode = 'VALIDATION' | 'NOT_FOUND' | 'FORBIDDEN' | 'CONFLICT' | 'UNAUTHENTICATED' | 'RATE_LIMITED' | 'POLICY_VIOLATION';

/**
 * Expected failure. Services throw these; mutation fields list them so the Pothos errors plugin
 * turns them into members of the payload union. They extend GraphQLError so that, outside a
 * mutation payload, Yoga's masking lets their message and code through instead of hiding them.
 */
export abstract class AppError extends GraphQLError {
  abstract readonly code: ErrorCode;
  constructor(message: string, code: ErrorCode) {
    super(message, { extensions: { code } });
  }
}

export type FieldError = { path: string; message: string };

export class ValidationError extends AppError {
  readonly code = 'VALIDATION' as const;
  readonly fields: FieldError[];
  constructor(message: string, fields: FieldError[] = []) {
    super(message, 'VALIDATION');
    this.fields = fields;
  }
  static field(path: string, message: string): ValidationError {
    return new ValidationError(`${path}: ${message}`, [{ path, message }]);
  }
}

export class NotFoundError extends AppError {
  readonly code = 'NOT_FOUND' as const;
  readonly resource: string;
  readonly id: string;
  constructor(resource: string, id: string) {
    super(`${resource} ${id} not found`, 'NOT_FOUND');
    this.resource = resource;
    this.id = id;
  }
}

export class ForbiddenError extends AppError {
  readonly code = 'FORBIDDEN' as const;
  readonly missingPermission?: string;
  constructor(message = 'Not allowed', missingPermission?: string) {
    super(message, 'FORBIDDEN');
    this.missingPermission = missingPermission;
  }
}

export class ConflictError extends AppError {
  readonly code = 'CONFLICT' as const;
  constructor(message: string) {
    super(message, 'CONFLICT');
  }
}

/** A key policy names what it refuses: MAX_LIFETIME, ALLOWED_KINDS, IP_ALLOWLIST_REQUIRED. */
export type KeyPolicyName = 'MAX_LIFETIME' | 'ALLOWED_KINDS' | 'IP_ALLOWLIST_REQUIRED';

/** The change breaks a key policy of the organisation (its own or inherited). */
export class PolicyViolationError extends AppError {
  readonly code = 'POLICY_VIOLATION' as const;
  readonly policy: KeyPolicyName;
  /** The organisation whose policy it is (the key's own or an ancestor). */
  readonly policyOrganizationId: string;
  constructor(policy: KeyPolicyName, message: string, policyOrganizationId: string) {
    super(message, 'POLICY_VIOLATION');
    this.policy = policy;
    this.policyOrganizationId = policyOrganizationId;
  }
}

export class UnauthenticatedError extends AppError {
  readonly code = 'UNAUTHENTICATED' as const;
  constructor() {
    super('Unauthenticated', 'UNAUTHENTICATED');
  }
}

/** Turns a zod error into a ValidationError naming each field. */
export function fromZodIssues(issues: { path: PropertyKey[]; message: string }[], prefix = 'input'): ValidationError {
  const fields = issues.map((i) => ({ path: [prefix, ...i.path.map(String)].join('.'), message: i.message }));
  return new ValidationError(fields.map((f) => `${f.path}: ${f.message}`).join('; '), fields);
}
