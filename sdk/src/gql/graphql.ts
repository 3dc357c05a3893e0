/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Which keys a list shows. */
export type ApiKeyFilter = {
  /** Only keys of this customer. */
  customerId?: string | number | null | undefined;
  /** Active keys whose expiresAt is before this instant. */
  expiresBefore?: string | null | undefined;
  /** Integration keys are listed apart: only when this is INTEGRATION. */
  kind?: ApiKeyKind | null | undefined;
  /** Keys not used since; never-used keys match. */
  lastUsedBefore?: string | null | undefined;
  /** Default: the calling key’s organization. */
  organizationId?: string | number | null | undefined;
  /** Only keys that break the organisation’s key policies now (made before a policy was adopted, or due for rotation). */
  policyViolations?: boolean | null | undefined;
  /** In name, description or the token start. */
  search?: string | null | undefined;
  /** Only keys in this status. */
  status?: ApiKeyStatus | null | undefined;
  /** Only keys acting as this user. */
  userId?: string | number | null | undefined;
};

/** What a key is for. */
export type ApiKeyKind =
  /** A key made by an integration such as Zapier (`kp_ik_…`), listed apart. */
  | 'INTEGRATION'
  /** A browser-safe key (`kp_pk_…`): public read actions only, never management, sensitive fields withheld. */
  | 'PUBLISHABLE'
  /** A server-side key (`kp_sk_…`): every permission its user holds, within its restriction. */
  | 'SECRET';

/** Whether a key works. */
export type ApiKeyStatus =
  /** It verifies (within its validity window, limits and allowlist). */
  | 'ACTIVE'
  /** Expired (unused for the organisation’s inactivity period, or past validUntil): it never verifies again. */
  | 'EXPIRED'
  /** Revoked: it never verifies again. */
  | 'REVOKED';

/** What createApiKey takes. */
export type CreateApiKeyInput = {
  /** IPv4/IPv6 addresses and CIDR blocks, at most 100; empty: any address. */
  allowedIps?: Array<string> | null | undefined;
  /** Remaining uses; null: unlimited. */
  credits?: number | null | undefined;
  /** Refill the credits daily or monthly; null: never. */
  creditsRefill?: CreditsRefillInput | null | undefined;
  /** The customer (of the key’s organisation) the key belongs to; its shared rate limit and credit pool apply too. null: none. */
  customerId?: string | number | null | undefined;
  /** What the key is for. */
  description?: string | null | undefined;
  /** Default SECRET. */
  kind?: ApiKeyKind | null | undefined;
  /** A JSON object of at most 4096 bytes. */
  metadata?: unknown;
  /** The key’s name (1 to 200 characters). */
  name: string;
  /** The organisation the key belongs to (default: the caller’s; a sub-account the caller reaches). */
  organizationId?: string | number | null | undefined;
  /** A subset of the user’s permissions (and of the calling key’s); null: all of the user’s. */
  permissions?: Array<PermissionGrantInput> | null | undefined;
  /** At most this many verifications per window. */
  rateLimit?: RateLimitInput | null | undefined;
  /** Which sub-accounts the key may act in (agency keys). */
  subAccounts?: SubAccountGrantInput | null | undefined;
  /** Another user than the caller’s needs users:write. */
  userId?: string | number | null | undefined;
  /** The key answers NOT_YET_VALID before this time. */
  validFrom?: string | null | undefined;
  /** The key answers EXPIRED from this time. */
  validUntil?: string | null | undefined;
};

/** Refill credits to an amount daily (00:00 UTC) or monthly (on dayOfMonth), exactly once per period. */
export type CreditsRefillInput = {
  /** The credits after a refill (1 to 1,000,000,000). */
  amount: number;
  /** With MONTHLY: 1 to 31 (default 1; past the month’s end: its last day). */
  dayOfMonth?: number | null | undefined;
  /** DAILY or MONTHLY. */
  period: CreditsRefillPeriod;
};

/** When credits refill. */
export type CreditsRefillPeriod =
  /** Every day at 00:00 UTC. */
  | 'DAILY'
  /** Every month on dayOfMonth at 00:00 UTC. */
  | 'MONTHLY';

/** What kind of error a mutation answered. */
export type ErrorCode =
  /** The change contradicts the current state. */
  | 'CONFLICT'
  /** The caller may not do this (missingPermission says what it lacks). */
  | 'FORBIDDEN'
  /** No such object within the caller’s reach. */
  | 'NOT_FOUND'
  /** The change breaks a key policy of the organisation (policy says which). */
  | 'POLICY_VIOLATION'
  /** Too many requests: retry later. */
  | 'RATE_LIMITED'
  /** No valid key was presented. */
  | 'UNAUTHENTICATED'
  /** The input is invalid (fields says where). */
  | 'VALIDATION';

/** Which events a page shows. */
export type EventFilter = {
  /** Only events about this key (ApiKey.id). */
  keyId?: string | number | null | undefined;
  /** Default: the calling key’s organization. */
  organizationId?: string | number | null | undefined;
  /** Inclusive. */
  since?: string | null | undefined;
  /** Event types, or a family such as api_key.*; omitted: every type. */
  types?: Array<string> | null | undefined;
};

/** The order of the events feed. A cursor continues the order it came from. */
export type EventOrder =
  /** Most recent first; pages go back in time (e.g. the last few events of a type). */
  | 'NEWEST_FIRST'
  /** Commit order: the polling feed (after: endCursor never skips an event). */
  | 'OLDEST_FIRST';

/** A permission to grant, optionally on chosen resource instances only. */
export type PermissionGrantInput = {
  /** What to allow, as `resource:action`. */
  permission: string;
  /** Limit to these resource instances; omitted or null: every instance. */
  resourceIds?: Array<string> | null | undefined;
};

/** At most `limit` verifications per window of `windowSeconds`. */
export type RateLimitInput = {
  /** Verifications allowed per window (at least 1). */
  limit: number;
  /** The window’s length, in seconds. */
  windowSeconds: number;
};

/** What revokeApiKey takes. */
export type RevokeApiKeyInput = {
  /** The key to revoke (its id, or the key id inside its token). */
  id: string | number;
  /** Why (kept with the key, sent in the api_key.revoked event). */
  reason?: string | null | undefined;
};

/** What rotateApiKey takes. */
export type RotateApiKeyInput = {
  /** How long the previous secret keeps working (0 to 7 days; default 0: it stops at once). */
  gracePeriodSeconds?: number | null | undefined;
  /** The key to rotate (its id, or the key id inside its token). */
  id: string | number;
};

/** Which sub-accounts a key may act in besides its own organisation. */
export type SubAccountGrantInput = {
  /** None, all, or the selected ones. */
  mode: SubAccountMode;
  /** With mode SELECTED: sub-accounts below the key’s organization. */
  organizationIds?: Array<string | number> | null | undefined;
};

/** How far a key reaches below its organisation. */
export type SubAccountMode =
  /** Every sub-account below it, present and future. */
  | 'ALL'
  /** Its own organisation only. */
  | 'NONE'
  /** The sub-accounts listed in organizationIds. */
  | 'SELECTED';

/** Whose usage, over which period, at what granularity. */
export type UsageFilter = {
  /** Default: one hour (MINUTE), one day (HOUR) or 30 days (DAY) before `to`. */
  from?: string | null | undefined;
  /** Default: HOUR. */
  granularity?: UsageGranularity | null | undefined;
  /** One key (its id or its public key id). Without it: every key of the organization. */
  keyId?: string | number | null | undefined;
  /** Default: the calling key’s organization. */
  organizationId?: string | number | null | undefined;
  /** Default: now. */
  to?: string | null | undefined;
};

/** The length of each point of a usage series. */
export type UsageGranularity =
  /** One point per day (UTC). */
  | 'DAY'
  /** One point per hour. */
  | 'HOUR'
  /** One point per minute (kept for usageMinuteDays, then merged into hours). */
  | 'MINUTE';

/** Why a verification answered as it did; the checks run in the order listed, the first failure answers. */
export type VerifyCode =
  /** The key expired (inactivity, or past validUntil). */
  | 'EXPIRED'
  /** The key may not do what was asked. */
  | 'INSUFFICIENT_PERMISSIONS'
  /** The address is outside the key’s allowlist. */
  | 'IP_NOT_ALLOWED'
  /** Not a Keyplane token (shape or checksum). */
  | 'MALFORMED'
  /** No such key, or a secret it never had. */
  | 'NOT_FOUND'
  /** Before the key’s validFrom. */
  | 'NOT_YET_VALID'
  /** The rate limit’s window is used up (rateLimit.resetAt says when it ends). */
  | 'RATE_LIMITED'
  /** The key was revoked. */
  | 'REVOKED'
  /** The key’s previous secret, after its rotation grace period ended. */
  | 'ROTATED'
  /** The permission asked about names no action of a built-in or defined resource (a typo, not a denial). */
  | 'UNKNOWN_PERMISSION'
  /** No credits left. */
  | 'USAGE_EXCEEDED'
  /** The key’s user is disabled or deleted. */
  | 'USER_DISABLED'
  /** The key verified. */
  | 'VALID';

export type SdkCreateApiKeyMutationVariables = Exact<{
  input: CreateApiKeyInput;
}>;


export type SdkCreateApiKeyMutation = { createApiKey:
    | { __typename: 'ConflictError', code: ErrorCode, message: string }
    | { __typename: 'CreateApiKeySuccess', token: string, secret: string, apiKey: { id: string, keyId: string, name: string, description: string | null, kind: ApiKeyKind, status: ApiKeyStatus, start: string, organizationId: string, userId: string, validFrom: string | null, validUntil: string | null, allowedIps: Array<string>, credits: number | null, metadata: unknown, lastUsedAt: string | null, createdAt: string, revokedAt: string | null, rotatedAt: string | null, permissions: Array<{ permission: string, resourceIds: Array<string> | null }> | null, rateLimit: { limit: number, windowSeconds: number } | null } }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'PolicyViolationError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, fields: Array<{ path: string, message: string }> }
   };

export type SdkRotateApiKeyMutationVariables = Exact<{
  input: RotateApiKeyInput;
}>;


export type SdkRotateApiKeyMutation = { rotateApiKey:
    | { __typename: 'ConflictError', code: ErrorCode, message: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'PolicyViolationError', code: ErrorCode, message: string }
    | { __typename: 'RotateApiKeySuccess', token: string, secret: string, apiKey: { id: string, keyId: string, name: string, description: string | null, kind: ApiKeyKind, status: ApiKeyStatus, start: string, organizationId: string, userId: string, validFrom: string | null, validUntil: string | null, allowedIps: Array<string>, credits: number | null, metadata: unknown, lastUsedAt: string | null, createdAt: string, revokedAt: string | null, rotatedAt: string | null, permissions: Array<{ permission: string, resourceIds: Array<string> | null }> | null, rateLimit: { limit: number, windowSeconds: number } | null } }
    | { __typename: 'ValidationError', code: ErrorCode, message: string }
   };

export type SdkRevokeApiKeyMutationVariables = Exact<{
  input: RevokeApiKeyInput;
}>;


export type SdkRevokeApiKeyMutation = { revokeApiKey:
    | { __typename: 'ConflictError', code: ErrorCode, message: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'PolicyViolationError', code: ErrorCode, message: string }
    | { __typename: 'RevokeApiKeySuccess', apiKey: { id: string, keyId: string, name: string, description: string | null, kind: ApiKeyKind, status: ApiKeyStatus, start: string, organizationId: string, userId: string, validFrom: string | null, validUntil: string | null, allowedIps: Array<string>, credits: number | null, metadata: unknown, lastUsedAt: string | null, createdAt: string, revokedAt: string | null, rotatedAt: string | null, permissions: Array<{ permission: string, resourceIds: Array<string> | null }> | null, rateLimit: { limit: number, windowSeconds: number } | null } }
    | { __typename: 'ValidationError', code: ErrorCode, message: string }
   };

export type SdkApiKeysQueryVariables = Exact<{
  filter?: ApiKeyFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type SdkApiKeysQuery = { apiKeys: { edges: Array<{ cursor: string, node: { id: string, keyId: string, name: string, description: string | null, kind: ApiKeyKind, status: ApiKeyStatus, start: string, organizationId: string, userId: string, validFrom: string | null, validUntil: string | null, allowedIps: Array<string>, credits: number | null, metadata: unknown, lastUsedAt: string | null, createdAt: string, revokedAt: string | null, rotatedAt: string | null, permissions: Array<{ permission: string, resourceIds: Array<string> | null }> | null, rateLimit: { limit: number, windowSeconds: number } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type SdkUsageQueryVariables = Exact<{
  filter?: UsageFilter | null | undefined;
}>;


export type SdkUsageQuery = { usage: Array<{ start: string, code: VerifyCode, count: number }> };

export type SdkEventsQueryVariables = Exact<{
  filter?: EventFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  order?: EventOrder | null | undefined;
}>;


export type SdkEventsQuery = { events: { edges: Array<{ cursor: string, node: { id: string, type: string, occurredAt: string, organizationId: string, keyId: string | null, data: unknown } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const SdkCreateApiKeyDocument = new TypedDocumentString(`
    mutation SdkCreateApiKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) {
    __typename
    ... on CreateApiKeySuccess {
      token
      secret
      apiKey {
        id
        keyId
        name
        description
        kind
        status
        start
        organizationId
        userId
        permissions {
          permission
          resourceIds
        }
        validFrom
        validUntil
        allowedIps
        rateLimit {
          limit
          windowSeconds
        }
        credits
        metadata
        lastUsedAt
        createdAt
        revokedAt
        rotatedAt
      }
    }
    ... on Error {
      code
      message
    }
    ... on ValidationError {
      fields {
        path
        message
      }
    }
  }
}
    `) as unknown as TypedDocumentString<SdkCreateApiKeyMutation, SdkCreateApiKeyMutationVariables>;
export const SdkRotateApiKeyDocument = new TypedDocumentString(`
    mutation SdkRotateApiKey($input: RotateApiKeyInput!) {
  rotateApiKey(input: $input) {
    __typename
    ... on RotateApiKeySuccess {
      token
      secret
      apiKey {
        id
        keyId
        name
        description
        kind
        status
        start
        organizationId
        userId
        permissions {
          permission
          resourceIds
        }
        validFrom
        validUntil
        allowedIps
        rateLimit {
          limit
          windowSeconds
        }
        credits
        metadata
        lastUsedAt
        createdAt
        revokedAt
        rotatedAt
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<SdkRotateApiKeyMutation, SdkRotateApiKeyMutationVariables>;
export const SdkRevokeApiKeyDocument = new TypedDocumentString(`
    mutation SdkRevokeApiKey($input: RevokeApiKeyInput!) {
  revokeApiKey(input: $input) {
    __typename
    ... on RevokeApiKeySuccess {
      apiKey {
        id
        keyId
        name
        description
        kind
        status
        start
        organizationId
        userId
        permissions {
          permission
          resourceIds
        }
        validFrom
        validUntil
        allowedIps
        rateLimit {
          limit
          windowSeconds
        }
        credits
        metadata
        lastUsedAt
        createdAt
        revokedAt
        rotatedAt
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<SdkRevokeApiKeyMutation, SdkRevokeApiKeyMutationVariables>;
export const SdkApiKeysDocument = new TypedDocumentString(`
    query SdkApiKeys($filter: ApiKeyFilter, $first: Int, $after: String) {
  apiKeys(filter: $filter, first: $first, after: $after) {
    edges {
      cursor
      node {
        id
        keyId
        name
        description
        kind
        status
        start
        organizationId
        userId
        permissions {
          permission
          resourceIds
        }
        validFrom
        validUntil
        allowedIps
        rateLimit {
          limit
          windowSeconds
        }
        credits
        metadata
        lastUsedAt
        createdAt
        revokedAt
        rotatedAt
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<SdkApiKeysQuery, SdkApiKeysQueryVariables>;
export const SdkUsageDocument = new TypedDocumentString(`
    query SdkUsage($filter: UsageFilter) {
  usage(filter: $filter) {
    start
    code
    count
  }
}
    `) as unknown as TypedDocumentString<SdkUsageQuery, SdkUsageQueryVariables>;
export const SdkEventsDocument = new TypedDocumentString(`
    query SdkEvents($filter: EventFilter, $first: Int, $after: String, $order: EventOrder) {
  events(filter: $filter, first: $first, after: $after, order: $order) {
    edges {
      cursor
      node {
        id
        type
        occurredAt
        organizationId
        keyId
        data
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<SdkEventsQuery, SdkEventsQueryVariables>;