/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type ApiKeyFilter = {
  /** Active keys whose expiresAt is before this instant. */
  expiresBefore?: string | null | undefined;
  /** Integration keys are listed apart: only when this is INTEGRATION. */
  kind?: ApiKeyKind | null | undefined;
  /** Keys not used since; never-used keys match. */
  lastUsedBefore?: string | null | undefined;
  /** Default: the calling key’s organization. */
  organizationId?: string | number | null | undefined;
  /** In name, description or the token start. */
  search?: string | null | undefined;
  status?: ApiKeyStatus | null | undefined;
  userId?: string | number | null | undefined;
};

export type ApiKeyKind =
  | 'INTEGRATION'
  | 'PUBLISHABLE'
  | 'SECRET';

export type ApiKeyStatus =
  | 'ACTIVE'
  | 'EXPIRED'
  | 'REVOKED';

export type CreateApiKeyInput = {
  /** IPv4/IPv6 addresses and CIDR blocks, at most 100; empty: any address. */
  allowedIps?: Array<string> | null | undefined;
  /** Remaining uses; null: unlimited. */
  credits?: number | null | undefined;
  description?: string | null | undefined;
  /** Default SECRET. */
  kind?: ApiKeyKind | null | undefined;
  /** A JSON object of at most 4096 bytes. */
  metadata?: unknown;
  name: string;
  organizationId?: string | number | null | undefined;
  /** A subset of the user’s permissions (and of the calling key’s); null: all of the user’s. */
  permissions?: Array<PermissionGrantInput> | null | undefined;
  rateLimit?: RateLimitInput | null | undefined;
  /** Which sub-accounts the key may act in (agency keys). */
  subAccounts?: SubAccountGrantInput | null | undefined;
  /** Another user than the caller’s needs users:write. */
  userId?: string | number | null | undefined;
  validFrom?: string | null | undefined;
  validUntil?: string | null | undefined;
};

export type ErrorCode =
  | 'CONFLICT'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'UNAUTHENTICATED'
  | 'VALIDATION';

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

export type PermissionGrantInput = {
  permission: string;
  /** Limit to these resource instances; omitted or null: every instance. */
  resourceIds?: Array<string> | null | undefined;
};

export type RateLimitInput = {
  limit: number;
  windowSeconds: number;
};

export type RevokeApiKeyInput = {
  id: string | number;
  reason?: string | null | undefined;
};

export type RotateApiKeyInput = {
  gracePeriodSeconds?: number | null | undefined;
  id: string | number;
};

export type SubAccountGrantInput = {
  mode: SubAccountMode;
  /** With mode SELECTED: sub-accounts below the key’s organization. */
  organizationIds?: Array<string | number> | null | undefined;
};

export type SubAccountMode =
  | 'ALL'
  | 'NONE'
  | 'SELECTED';

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

export type UsageGranularity =
  | 'DAY'
  | 'HOUR'
  | 'MINUTE';

/** Why a verification answered as it did; the checks run in the order listed, the first failure answers. */
export type VerifyCode =
  | 'EXPIRED'
  | 'INSUFFICIENT_PERMISSIONS'
  | 'IP_NOT_ALLOWED'
  | 'MALFORMED'
  | 'NOT_FOUND'
  | 'NOT_YET_VALID'
  | 'RATE_LIMITED'
  | 'REVOKED'
  | 'ROTATED'
  | 'UNKNOWN_PERMISSION'
  | 'USAGE_EXCEEDED'
  | 'USER_DISABLED'
  | 'VALID';

export type SdkCreateApiKeyMutationVariables = Exact<{
  input: CreateApiKeyInput;
}>;


export type SdkCreateApiKeyMutation = { createApiKey:
    | { __typename: 'ConflictError', code: ErrorCode, message: string }
    | { __typename: 'CreateApiKeySuccess', token: string, secret: string, apiKey: { id: string, keyId: string, name: string, description: string | null, kind: ApiKeyKind, status: ApiKeyStatus, start: string, organizationId: string, userId: string, validFrom: string | null, validUntil: string | null, allowedIps: Array<string>, credits: number | null, metadata: unknown, lastUsedAt: string | null, createdAt: string, revokedAt: string | null, rotatedAt: string | null, permissions: Array<{ permission: string, resourceIds: Array<string> | null }> | null, rateLimit: { limit: number, windowSeconds: number } | null } }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, fields: Array<{ path: string, message: string }> }
   };

export type SdkRotateApiKeyMutationVariables = Exact<{
  input: RotateApiKeyInput;
}>;


export type SdkRotateApiKeyMutation = { rotateApiKey:
    | { __typename: 'ConflictError', code: ErrorCode, message: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
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