import { graphql } from './gql/index.ts';

export const CreateKey = graphql(`
  mutation SdkCreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      __typename
      ... on CreateApiKeySuccess {
        token
        secret
        apiKey { id keyId name description kind status start organizationId userId permissions { permission resourceIds } validFrom validUntil allowedIps rateLimit { limit windowSeconds } credits metadata lastUsedAt createdAt revokedAt rotatedAt }
      }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const RotateKey = graphql(`
  mutation SdkRotateApiKey($input: RotateApiKeyInput!) {
    rotateApiKey(input: $input) {
      __typename
      ... on RotateApiKeySuccess {
        token
        secret
        apiKey { id keyId name description kind status start organizationId userId permissions { permission resourceIds } validFrom validUntil allowedIps rateLimit { limit windowSeconds } credits metadata lastUsedAt createdAt revokedAt rotatedAt }
      }
      ... on Error { code message }
    }
  }
`);

export const RevokeKey = graphql(`
  mutation SdkRevokeApiKey($input: RevokeApiKeyInput!) {
    revokeApiKey(input: $input) {
      __typename
      ... on RevokeApiKeySuccess {
        apiKey { id keyId name description kind status start organizationId userId permissions { permission resourceIds } validFrom validUntil allowedIps rateLimit { limit windowSeconds } credits metadata lastUsedAt createdAt revokedAt rotatedAt }
      }
      ... on Error { code message }
    }
  }
`);

export const ListKeys = graphql(`
  query SdkApiKeys($filter: ApiKeyFilter, $first: Int, $after: String) {
    apiKeys(filter: $filter, first: $first, after: $after) {
      edges { cursor node { id keyId name description kind status start organizationId userId permissions { permission resourceIds } validFrom validUntil allowedIps rateLimit { limit windowSeconds } credits metadata lastUsedAt createdAt revokedAt rotatedAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const Usage = graphql(`
  query SdkUsage($filter: UsageFilter) {
    usage(filter: $filter) { start code count }
  }
`);

export const Events = graphql(`
  query SdkEvents($filter: EventFilter, $first: Int, $after: String, $order: EventOrder) {
    events(filter: $filter, first: $first, after: $after, order: $order) {
      edges { cursor node { id type occurredAt organizationId keyId data } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);
