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

/** What assignRoles takes. */
export type AssignRolesInput = {
  /** The user’s complete set of roles afterwards, each optionally limited to chosen resource instances. */
  roles: Array<RoleAssignmentInput>;
  /** Whose roles. */
  userId: string | number;
};

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

/** What createUser takes. */
export type CreateUserInput = {
  /** The person’s email address (people only). */
  email?: string | null | undefined;
  /** A person (HUMAN) or a standalone API user (SERVICE). */
  kind?: UserKind | null | undefined;
  /** The user’s name. */
  name: string;
  /** The organisation the user belongs to (default: the caller’s). */
  organizationId?: string | number | null | undefined;
};

/** What createWebhookEndpoint takes. */
export type CreateWebhookEndpointInput = {
  /** What the endpoint is for. */
  description?: string | null | undefined;
  /** Exact types, family wildcards (api_key.*) or *; omitted or empty: every event. */
  eventTypes?: Array<string> | null | undefined;
  /** Also send the events of every sub-account (the key must reach them all). */
  includeSubAccounts?: boolean | null | undefined;
  /** Default WEBHOOK. */
  kind?: WebhookEndpointKind | null | undefined;
  /** At most this many delivery attempts per second, 1 to 10000 (a slow receiver is not flooded); omitted: no limit. */
  maxDeliveriesPerSecond?: number | null | undefined;
  /** Default: the calling key’s organization. */
  organizationId?: string | number | null | undefined;
  /** Where events are posted (https in production; never a private, loopback or metadata address). */
  url: string;
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

/** What deleteWebhookEndpoint takes. */
export type DeleteWebhookEndpointInput = {
  /** The delete webhook endpoint input’s id. */
  id: string | number;
};

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

/** Limit a role assignment to chosen instances of one resource. */
export type ResourceLimitInput = {
  /** The instances (at least one). */
  ids: Array<string>;
  /** The resource. */
  resource: string;
};

/** What revokeApiKey takes. */
export type RevokeApiKeyInput = {
  /** The key to revoke (its id, or the key id inside its token). */
  id: string | number;
  /** Why (kept with the key, sent in the api_key.revoked event). */
  reason?: string | null | undefined;
};

/** A role to hold, optionally limited to chosen resource instances. */
export type RoleAssignmentInput = {
  /** Limit the role to these resource instances; null: everywhere it applies. */
  resourceLimits?: Array<ResourceLimitInput> | null | undefined;
  /** The role. */
  roleId: string | number;
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

/** Which users a list shows. */
export type UserFilter = {
  /** Only people or only service users. */
  kind?: UserKind | null | undefined;
  /** Whose users (default: the caller’s organisation). */
  organizationId?: string | number | null | undefined;
  /** Only users whose name or email contains this. */
  search?: string | null | undefined;
  /** Only users in this status (default: all but deleted). */
  status?: UserStatus | null | undefined;
};

/** Who a user is. */
export type UserKind =
  /** A person, who may sign in to the console. */
  | 'HUMAN'
  /** A standalone API user: keys only, no console. */
  | 'SERVICE';

/** Whether a user’s keys work. */
export type UserStatus =
  /** Its keys verify. */
  | 'ACTIVE'
  /** Gone: its keys never verify again. */
  | 'DELETED'
  /** Its keys answer USER_DISABLED until it is enabled again. */
  | 'DISABLED';

/** WEBHOOK: any HTTPS receiver. ZAPIER: a REST-hook subscription made by the Zapier app. */
export type WebhookEndpointKind =
  /** A Standard Webhooks endpoint, signed with its secret. */
  | 'WEBHOOK'
  /** A Zapier REST hook, made and removed by the Zapier app. */
  | 'ZAPIER';

export type ZapierViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ZapierViewerQuery = { viewer: { apiKey: { id: string, keyId: string, name: string, kind: ApiKeyKind } | null, user: { id: string, name: string }, organization: { id: string, name: string } } };

export type ZapierUsersQueryVariables = Exact<{
  filter?: UserFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ZapierUsersQuery = { users: { edges: Array<{ node: { id: string, name: string, email: string | null, kind: UserKind, status: UserStatus, organizationId: string, createdAt: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type ZapierRolesQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ZapierRolesQuery = { roles: { edges: Array<{ node: { id: string, name: string, description: string | null, permissions: Array<string> } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type ZapierCreateUserMutationVariables = Exact<{
  input: CreateUserInput;
}>;


export type ZapierCreateUserMutation = { createUser:
    | { __typename: 'ConflictError', code: ErrorCode, message: string }
    | { __typename: 'CreateUserSuccess', user: { id: string, name: string, email: string | null, kind: UserKind, status: UserStatus, organizationId: string, createdAt: string } }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'PolicyViolationError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, fields: Array<{ path: string, message: string }> }
   };

export type ZapierAssignRolesMutationVariables = Exact<{
  input: AssignRolesInput;
}>;


export type ZapierAssignRolesMutation = { assignRoles:
    | { __typename: 'AssignRolesSuccess', user: { id: string, roles: Array<{ role: { id: string, name: string } | null }> | null } }
    | { __typename: 'ConflictError', code: ErrorCode, message: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'PolicyViolationError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, fields: Array<{ path: string, message: string }> }
   };

export type ZapierApiKeyFieldsFragment = { id: string, keyId: string, name: string, description: string | null, kind: ApiKeyKind, status: ApiKeyStatus, start: string, userId: string, organizationId: string, createdAt: string, updatedAt: string, lastUsedAt: string | null, validFrom: string | null, validUntil: string | null, rotatedAt: string | null, revokedAt: string | null, revokedReason: string | null, allowedIps: Array<string>, permissions: Array<{ permission: string, resourceIds: Array<string> | null }> | null, user: { id: string, name: string, email: string | null } | null };

export type ZapierApiKeysQueryVariables = Exact<{
  filter?: ApiKeyFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ZapierApiKeysQuery = { apiKeys: { edges: Array<{ node: { id: string, keyId: string, name: string, description: string | null, kind: ApiKeyKind, status: ApiKeyStatus, start: string, userId: string, organizationId: string, createdAt: string, updatedAt: string, lastUsedAt: string | null, validFrom: string | null, validUntil: string | null, rotatedAt: string | null, revokedAt: string | null, revokedReason: string | null, allowedIps: Array<string>, permissions: Array<{ permission: string, resourceIds: Array<string> | null }> | null, user: { id: string, name: string, email: string | null } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type ZapierApiKeyQueryVariables = Exact<{
  id: string | number;
}>;


export type ZapierApiKeyQuery = { apiKey: { id: string, keyId: string, name: string, description: string | null, kind: ApiKeyKind, status: ApiKeyStatus, start: string, userId: string, organizationId: string, createdAt: string, updatedAt: string, lastUsedAt: string | null, validFrom: string | null, validUntil: string | null, rotatedAt: string | null, revokedAt: string | null, revokedReason: string | null, allowedIps: Array<string>, permissions: Array<{ permission: string, resourceIds: Array<string> | null }> | null, user: { id: string, name: string, email: string | null } | null } | null };

export type ZapierCreateApiKeyMutationVariables = Exact<{
  input: CreateApiKeyInput;
}>;


export type ZapierCreateApiKeyMutation = { createApiKey:
    | { __typename: 'ConflictError', code: ErrorCode, message: string }
    | { __typename: 'CreateApiKeySuccess', token: string, secret: string, apiKey: { id: string, keyId: string, name: string, description: string | null, kind: ApiKeyKind, status: ApiKeyStatus, start: string, userId: string, organizationId: string, createdAt: string, updatedAt: string, lastUsedAt: string | null, validFrom: string | null, validUntil: string | null, rotatedAt: string | null, revokedAt: string | null, revokedReason: string | null, allowedIps: Array<string>, permissions: Array<{ permission: string, resourceIds: Array<string> | null }> | null, user: { id: string, name: string, email: string | null } | null } }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'PolicyViolationError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, fields: Array<{ path: string, message: string }> }
   };

export type ZapierRotateApiKeyMutationVariables = Exact<{
  input: RotateApiKeyInput;
}>;


export type ZapierRotateApiKeyMutation = { rotateApiKey:
    | { __typename: 'ConflictError', code: ErrorCode, message: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'PolicyViolationError', code: ErrorCode, message: string }
    | { __typename: 'RotateApiKeySuccess', token: string, secret: string, apiKey: { id: string, keyId: string, name: string, description: string | null, kind: ApiKeyKind, status: ApiKeyStatus, start: string, userId: string, organizationId: string, createdAt: string, updatedAt: string, lastUsedAt: string | null, validFrom: string | null, validUntil: string | null, rotatedAt: string | null, revokedAt: string | null, revokedReason: string | null, allowedIps: Array<string>, permissions: Array<{ permission: string, resourceIds: Array<string> | null }> | null, user: { id: string, name: string, email: string | null } | null } }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, fields: Array<{ path: string, message: string }> }
   };

export type ZapierRevokeApiKeyMutationVariables = Exact<{
  input: RevokeApiKeyInput;
}>;


export type ZapierRevokeApiKeyMutation = { revokeApiKey:
    | { __typename: 'ConflictError', code: ErrorCode, message: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'PolicyViolationError', code: ErrorCode, message: string }
    | { __typename: 'RevokeApiKeySuccess', apiKey: { id: string, keyId: string, name: string, description: string | null, kind: ApiKeyKind, status: ApiKeyStatus, start: string, userId: string, organizationId: string, createdAt: string, updatedAt: string, lastUsedAt: string | null, validFrom: string | null, validUntil: string | null, rotatedAt: string | null, revokedAt: string | null, revokedReason: string | null, allowedIps: Array<string>, permissions: Array<{ permission: string, resourceIds: Array<string> | null }> | null, user: { id: string, name: string, email: string | null } | null } }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, fields: Array<{ path: string, message: string }> }
   };

export type ZapierEventsQueryVariables = Exact<{
  filter?: EventFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  order?: EventOrder | null | undefined;
}>;


export type ZapierEventsQuery = { events: { edges: Array<{ node: { id: string, type: string, occurredAt: string, organizationId: string, data: unknown } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type ZapierCreateWebhookEndpointMutationVariables = Exact<{
  input: CreateWebhookEndpointInput;
}>;


export type ZapierCreateWebhookEndpointMutation = { createWebhookEndpoint:
    | { __typename: 'ConflictError', code: ErrorCode, message: string }
    | { __typename: 'CreateWebhookEndpointSuccess', secret: string, webhookEndpoint: { id: string, kind: WebhookEndpointKind, url: string, eventTypes: Array<string>, enabled: boolean } }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'PolicyViolationError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, fields: Array<{ path: string, message: string }> }
   };

export type ZapierDeleteWebhookEndpointMutationVariables = Exact<{
  input: DeleteWebhookEndpointInput;
}>;


export type ZapierDeleteWebhookEndpointMutation = { deleteWebhookEndpoint:
    | { __typename: 'ConflictError', code: ErrorCode, message: string }
    | { __typename: 'DeleteWebhookEndpointSuccess', webhookEndpoint: { id: string } }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'PolicyViolationError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, fields: Array<{ path: string, message: string }> }
   };

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
export const ZapierApiKeyFieldsFragmentDoc = new TypedDocumentString(`
    fragment ZapierApiKeyFields on ApiKey {
  id
  keyId
  name
  description
  kind
  status
  start
  userId
  organizationId
  createdAt
  updatedAt
  lastUsedAt
  validFrom
  validUntil
  rotatedAt
  revokedAt
  revokedReason
  allowedIps
  permissions {
    permission
    resourceIds
  }
  user {
    id
    name
    email
  }
}
    `, {"fragmentName":"ZapierApiKeyFields"}) as unknown as TypedDocumentString<ZapierApiKeyFieldsFragment, unknown>;
export const ZapierViewerDocument = new TypedDocumentString(`
    query ZapierViewer {
  viewer {
    apiKey {
      id
      keyId
      name
      kind
    }
    user {
      id
      name
    }
    organization {
      id
      name
    }
  }
}
    `) as unknown as TypedDocumentString<ZapierViewerQuery, ZapierViewerQueryVariables>;
export const ZapierUsersDocument = new TypedDocumentString(`
    query ZapierUsers($filter: UserFilter, $first: Int, $after: String) {
  users(filter: $filter, first: $first, after: $after) {
    edges {
      node {
        id
        name
        email
        kind
        status
        organizationId
        createdAt
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<ZapierUsersQuery, ZapierUsersQueryVariables>;
export const ZapierRolesDocument = new TypedDocumentString(`
    query ZapierRoles($first: Int, $after: String) {
  roles(first: $first, after: $after) {
    edges {
      node {
        id
        name
        description
        permissions
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<ZapierRolesQuery, ZapierRolesQueryVariables>;
export const ZapierCreateUserDocument = new TypedDocumentString(`
    mutation ZapierCreateUser($input: CreateUserInput!) {
  createUser(input: $input) {
    __typename
    ... on CreateUserSuccess {
      user {
        id
        name
        email
        kind
        status
        organizationId
        createdAt
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
    `) as unknown as TypedDocumentString<ZapierCreateUserMutation, ZapierCreateUserMutationVariables>;
export const ZapierAssignRolesDocument = new TypedDocumentString(`
    mutation ZapierAssignRoles($input: AssignRolesInput!) {
  assignRoles(input: $input) {
    __typename
    ... on AssignRolesSuccess {
      user {
        id
        roles {
          role {
            id
            name
          }
        }
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
    `) as unknown as TypedDocumentString<ZapierAssignRolesMutation, ZapierAssignRolesMutationVariables>;
export const ZapierApiKeysDocument = new TypedDocumentString(`
    query ZapierApiKeys($filter: ApiKeyFilter, $first: Int, $after: String) {
  apiKeys(filter: $filter, first: $first, after: $after) {
    edges {
      node {
        ...ZapierApiKeyFields
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment ZapierApiKeyFields on ApiKey {
  id
  keyId
  name
  description
  kind
  status
  start
  userId
  organizationId
  createdAt
  updatedAt
  lastUsedAt
  validFrom
  validUntil
  rotatedAt
  revokedAt
  revokedReason
  allowedIps
  permissions {
    permission
    resourceIds
  }
  user {
    id
    name
    email
  }
}`) as unknown as TypedDocumentString<ZapierApiKeysQuery, ZapierApiKeysQueryVariables>;
export const ZapierApiKeyDocument = new TypedDocumentString(`
    query ZapierApiKey($id: ID!) {
  apiKey(id: $id) {
    ...ZapierApiKeyFields
  }
}
    fragment ZapierApiKeyFields on ApiKey {
  id
  keyId
  name
  description
  kind
  status
  start
  userId
  organizationId
  createdAt
  updatedAt
  lastUsedAt
  validFrom
  validUntil
  rotatedAt
  revokedAt
  revokedReason
  allowedIps
  permissions {
    permission
    resourceIds
  }
  user {
    id
    name
    email
  }
}`) as unknown as TypedDocumentString<ZapierApiKeyQuery, ZapierApiKeyQueryVariables>;
export const ZapierCreateApiKeyDocument = new TypedDocumentString(`
    mutation ZapierCreateApiKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) {
    __typename
    ... on CreateApiKeySuccess {
      token
      secret
      apiKey {
        ...ZapierApiKeyFields
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
    fragment ZapierApiKeyFields on ApiKey {
  id
  keyId
  name
  description
  kind
  status
  start
  userId
  organizationId
  createdAt
  updatedAt
  lastUsedAt
  validFrom
  validUntil
  rotatedAt
  revokedAt
  revokedReason
  allowedIps
  permissions {
    permission
    resourceIds
  }
  user {
    id
    name
    email
  }
}`) as unknown as TypedDocumentString<ZapierCreateApiKeyMutation, ZapierCreateApiKeyMutationVariables>;
export const ZapierRotateApiKeyDocument = new TypedDocumentString(`
    mutation ZapierRotateApiKey($input: RotateApiKeyInput!) {
  rotateApiKey(input: $input) {
    __typename
    ... on RotateApiKeySuccess {
      token
      secret
      apiKey {
        ...ZapierApiKeyFields
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
    fragment ZapierApiKeyFields on ApiKey {
  id
  keyId
  name
  description
  kind
  status
  start
  userId
  organizationId
  createdAt
  updatedAt
  lastUsedAt
  validFrom
  validUntil
  rotatedAt
  revokedAt
  revokedReason
  allowedIps
  permissions {
    permission
    resourceIds
  }
  user {
    id
    name
    email
  }
}`) as unknown as TypedDocumentString<ZapierRotateApiKeyMutation, ZapierRotateApiKeyMutationVariables>;
export const ZapierRevokeApiKeyDocument = new TypedDocumentString(`
    mutation ZapierRevokeApiKey($input: RevokeApiKeyInput!) {
  revokeApiKey(input: $input) {
    __typename
    ... on RevokeApiKeySuccess {
      apiKey {
        ...ZapierApiKeyFields
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
    fragment ZapierApiKeyFields on ApiKey {
  id
  keyId
  name
  description
  kind
  status
  start
  userId
  organizationId
  createdAt
  updatedAt
  lastUsedAt
  validFrom
  validUntil
  rotatedAt
  revokedAt
  revokedReason
  allowedIps
  permissions {
    permission
    resourceIds
  }
  user {
    id
    name
    email
  }
}`) as unknown as TypedDocumentString<ZapierRevokeApiKeyMutation, ZapierRevokeApiKeyMutationVariables>;
export const ZapierEventsDocument = new TypedDocumentString(`
    query ZapierEvents($filter: EventFilter, $first: Int, $after: String, $order: EventOrder) {
  events(filter: $filter, first: $first, after: $after, order: $order) {
    edges {
      node {
        id
        type
        occurredAt
        organizationId
        data
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<ZapierEventsQuery, ZapierEventsQueryVariables>;
export const ZapierCreateWebhookEndpointDocument = new TypedDocumentString(`
    mutation ZapierCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    __typename
    ... on CreateWebhookEndpointSuccess {
      secret
      webhookEndpoint {
        id
        kind
        url
        eventTypes
        enabled
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
    `) as unknown as TypedDocumentString<ZapierCreateWebhookEndpointMutation, ZapierCreateWebhookEndpointMutationVariables>;
export const ZapierDeleteWebhookEndpointDocument = new TypedDocumentString(`
    mutation ZapierDeleteWebhookEndpoint($input: DeleteWebhookEndpointInput!) {
  deleteWebhookEndpoint(input: $input) {
    __typename
    ... on DeleteWebhookEndpointSuccess {
      webhookEndpoint {
        id
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
    `) as unknown as TypedDocumentString<ZapierDeleteWebhookEndpointMutation, ZapierDeleteWebhookEndpointMutationVariables>;