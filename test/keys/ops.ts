import { graphql } from '../gql/index.ts';

/** Typed operations of the key lifecycle tests. */
export const KeyFields = graphql(`
  fragment KeyFields on ApiKey {
    id keyId name description kind status start userId organizationId source
    permissions { permission resourceIds }
    validFrom validUntil allowedIps subAccounts { mode organizationIds } rateLimit { limit windowSeconds }
    credits metadata expiresAt lastActivityAt previousSecretExpiresAt rotatedAt revokedAt revokedReason createdAt
  }
`);

export const CreateApiKey = graphql(`
  mutation CreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      __typename
      ... on CreateApiKeySuccess { token secret apiKey { ...KeyFields } }
      ... on Error { code message }
      ... on ForbiddenError { missingPermission }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const UpdateApiKey = graphql(`
  mutation UpdateApiKey($input: UpdateApiKeyInput!) {
    updateApiKey(input: $input) {
      __typename
      ... on UpdateApiKeySuccess { apiKey { ...KeyFields } }
      ... on Error { code message }
      ... on ForbiddenError { missingPermission }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const RotateApiKey = graphql(`
  mutation RotateApiKey($input: RotateApiKeyInput!) {
    rotateApiKey(input: $input) {
      __typename
      ... on RotateApiKeySuccess { token secret apiKey { ...KeyFields } }
      ... on Error { code message }
      ... on ForbiddenError { missingPermission }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const RevokeApiKey = graphql(`
  mutation RevokeApiKey($input: RevokeApiKeyInput!) {
    revokeApiKey(input: $input) {
      __typename
      ... on RevokeApiKeySuccess { apiKey { ...KeyFields } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const DeleteApiKey = graphql(`
  mutation DeleteApiKey($input: DeleteApiKeyInput!) {
    deleteApiKey(input: $input) {
      __typename
      ... on DeleteApiKeySuccess { apiKey { id status } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const ApiKeys = graphql(`
  query ApiKeys($filter: ApiKeyFilter, $first: Int, $after: String) {
    apiKeys(filter: $filter, first: $first, after: $after) {
      edges { cursor node { ...KeyFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const ApiKeyQ = graphql(`
  query ApiKey($id: ID!) { apiKey(id: $id) { ...KeyFields user { id } organization { id } } }
`);

export const AuditLog = graphql(`
  query AuditLog($filter: AuditLogFilter, $first: Int, $after: String) {
    auditLog(filter: $filter, first: $first, after: $after) {
      edges { cursor node { id organizationId actorUserId actorKeyId actorKeyName action targetType targetId changes ip userAgent requestId occurredAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const Events = graphql(`
  query Events($filter: EventFilter, $first: Int, $after: String, $order: EventOrder) {
    events(filter: $filter, first: $first, after: $after, order: $order) {
      edges { cursor node { id type occurredAt organizationId keyId data } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const WhoAmI = graphql(`
  query WhoAmI { viewer { apiKey { id keyId name } user { id } organization { id } } }
`);
