/* eslint-disable */
import * as types from './graphql.ts';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation SdkCreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      __typename\n      ... on CreateApiKeySuccess {\n        token\n        secret\n        apiKey { id keyId name description kind status start organizationId userId permissions { permission resourceIds } validFrom validUntil allowedIps rateLimit { limit windowSeconds } credits metadata lastUsedAt createdAt revokedAt rotatedAt }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": typeof types.SdkCreateApiKeyDocument,
    "\n  mutation SdkRotateApiKey($input: RotateApiKeyInput!) {\n    rotateApiKey(input: $input) {\n      __typename\n      ... on RotateApiKeySuccess {\n        token\n        secret\n        apiKey { id keyId name description kind status start organizationId userId permissions { permission resourceIds } validFrom validUntil allowedIps rateLimit { limit windowSeconds } credits metadata lastUsedAt createdAt revokedAt rotatedAt }\n      }\n      ... on Error { code message }\n    }\n  }\n": typeof types.SdkRotateApiKeyDocument,
    "\n  mutation SdkRevokeApiKey($input: RevokeApiKeyInput!) {\n    revokeApiKey(input: $input) {\n      __typename\n      ... on RevokeApiKeySuccess {\n        apiKey { id keyId name description kind status start organizationId userId permissions { permission resourceIds } validFrom validUntil allowedIps rateLimit { limit windowSeconds } credits metadata lastUsedAt createdAt revokedAt rotatedAt }\n      }\n      ... on Error { code message }\n    }\n  }\n": typeof types.SdkRevokeApiKeyDocument,
    "\n  query SdkApiKeys($filter: ApiKeyFilter, $first: Int, $after: String) {\n    apiKeys(filter: $filter, first: $first, after: $after) {\n      edges { cursor node { id keyId name description kind status start organizationId userId permissions { permission resourceIds } validFrom validUntil allowedIps rateLimit { limit windowSeconds } credits metadata lastUsedAt createdAt revokedAt rotatedAt } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.SdkApiKeysDocument,
    "\n  query SdkUsage($filter: UsageFilter) {\n    usage(filter: $filter) { start code count }\n  }\n": typeof types.SdkUsageDocument,
    "\n  query SdkEvents($filter: EventFilter, $first: Int, $after: String, $order: EventOrder) {\n    events(filter: $filter, first: $first, after: $after, order: $order) {\n      edges { cursor node { id type occurredAt organizationId keyId data } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.SdkEventsDocument,
};
const documents: Documents = {
    "\n  mutation SdkCreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      __typename\n      ... on CreateApiKeySuccess {\n        token\n        secret\n        apiKey { id keyId name description kind status start organizationId userId permissions { permission resourceIds } validFrom validUntil allowedIps rateLimit { limit windowSeconds } credits metadata lastUsedAt createdAt revokedAt rotatedAt }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": types.SdkCreateApiKeyDocument,
    "\n  mutation SdkRotateApiKey($input: RotateApiKeyInput!) {\n    rotateApiKey(input: $input) {\n      __typename\n      ... on RotateApiKeySuccess {\n        token\n        secret\n        apiKey { id keyId name description kind status start organizationId userId permissions { permission resourceIds } validFrom validUntil allowedIps rateLimit { limit windowSeconds } credits metadata lastUsedAt createdAt revokedAt rotatedAt }\n      }\n      ... on Error { code message }\n    }\n  }\n": types.SdkRotateApiKeyDocument,
    "\n  mutation SdkRevokeApiKey($input: RevokeApiKeyInput!) {\n    revokeApiKey(input: $input) {\n      __typename\n      ... on RevokeApiKeySuccess {\n        apiKey { id keyId name description kind status start organizationId userId permissions { permission resourceIds } validFrom validUntil allowedIps rateLimit { limit windowSeconds } credits metadata lastUsedAt createdAt revokedAt rotatedAt }\n      }\n      ... on Error { code message }\n    }\n  }\n": types.SdkRevokeApiKeyDocument,
    "\n  query SdkApiKeys($filter: ApiKeyFilter, $first: Int, $after: String) {\n    apiKeys(filter: $filter, first: $first, after: $after) {\n      edges { cursor node { id keyId name description kind status start organizationId userId permissions { permission resourceIds } validFrom validUntil allowedIps rateLimit { limit windowSeconds } credits metadata lastUsedAt createdAt revokedAt rotatedAt } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.SdkApiKeysDocument,
    "\n  query SdkUsage($filter: UsageFilter) {\n    usage(filter: $filter) { start code count }\n  }\n": types.SdkUsageDocument,
    "\n  query SdkEvents($filter: EventFilter, $first: Int, $after: String, $order: EventOrder) {\n    events(filter: $filter, first: $first, after: $after, order: $order) {\n      edges { cursor node { id type occurredAt organizationId keyId data } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.SdkEventsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SdkCreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      __typename\n      ... on CreateApiKeySuccess {\n        token\n        secret\n        apiKey { id keyId name description kind status start organizationId userId permissions { permission resourceIds } validFrom validUntil allowedIps rateLimit { limit windowSeconds } credits metadata lastUsedAt createdAt revokedAt rotatedAt }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"): typeof import('./graphql.ts').SdkCreateApiKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SdkRotateApiKey($input: RotateApiKeyInput!) {\n    rotateApiKey(input: $input) {\n      __typename\n      ... on RotateApiKeySuccess {\n        token\n        secret\n        apiKey { id keyId name description kind status start organizationId userId permissions { permission resourceIds } validFrom validUntil allowedIps rateLimit { limit windowSeconds } credits metadata lastUsedAt createdAt revokedAt rotatedAt }\n      }\n      ... on Error { code message }\n    }\n  }\n"): typeof import('./graphql.ts').SdkRotateApiKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SdkRevokeApiKey($input: RevokeApiKeyInput!) {\n    revokeApiKey(input: $input) {\n      __typename\n      ... on RevokeApiKeySuccess {\n        apiKey { id keyId name description kind status start organizationId userId permissions { permission resourceIds } validFrom validUntil allowedIps rateLimit { limit windowSeconds } credits metadata lastUsedAt createdAt revokedAt rotatedAt }\n      }\n      ... on Error { code message }\n    }\n  }\n"): typeof import('./graphql.ts').SdkRevokeApiKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SdkApiKeys($filter: ApiKeyFilter, $first: Int, $after: String) {\n    apiKeys(filter: $filter, first: $first, after: $after) {\n      edges { cursor node { id keyId name description kind status start organizationId userId permissions { permission resourceIds } validFrom validUntil allowedIps rateLimit { limit windowSeconds } credits metadata lastUsedAt createdAt revokedAt rotatedAt } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): typeof import('./graphql.ts').SdkApiKeysDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SdkUsage($filter: UsageFilter) {\n    usage(filter: $filter) { start code count }\n  }\n"): typeof import('./graphql.ts').SdkUsageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SdkEvents($filter: EventFilter, $first: Int, $after: String, $order: EventOrder) {\n    events(filter: $filter, first: $first, after: $after, order: $order) {\n      edges { cursor node { id type occurredAt organizationId keyId data } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): typeof import('./graphql.ts').SdkEventsDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
