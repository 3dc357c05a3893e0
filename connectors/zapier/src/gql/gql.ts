/* eslint-disable */
import * as types from './graphql.js';



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
    "\n  query ZapierViewer {\n    viewer {\n      apiKey { id keyId name kind }\n      user { id name }\n      organization { id name }\n    }\n  }\n": typeof types.ZapierViewerDocument,
    "\n  query ZapierUsers($filter: UserFilter, $first: Int, $after: String) {\n    users(filter: $filter, first: $first, after: $after) {\n      edges { node { id name email kind status organizationId createdAt } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.ZapierUsersDocument,
    "\n  query ZapierRoles($first: Int, $after: String) {\n    roles(first: $first, after: $after) {\n      edges { node { id name description permissions } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.ZapierRolesDocument,
    "\n  mutation ZapierCreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      __typename\n      ... on CreateUserSuccess { user { id name email kind status organizationId createdAt } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": typeof types.ZapierCreateUserDocument,
    "\n  mutation ZapierAssignRoles($input: AssignRolesInput!) {\n    assignRoles(input: $input) {\n      __typename\n      ... on AssignRolesSuccess { user { id roles { role { id name } } } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": typeof types.ZapierAssignRolesDocument,
    "\n  fragment ZapierApiKeyFields on ApiKey {\n    id keyId name description kind status start userId organizationId createdAt updatedAt\n    lastUsedAt validFrom validUntil rotatedAt revokedAt revokedReason allowedIps\n    permissions { permission resourceIds }\n    user { id name email }\n  }\n": typeof types.ZapierApiKeyFieldsFragmentDoc,
    "\n  query ZapierApiKeys($filter: ApiKeyFilter, $first: Int, $after: String) {\n    apiKeys(filter: $filter, first: $first, after: $after) {\n      edges {\n        node { ...ZapierApiKeyFields }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.ZapierApiKeysDocument,
    "\n  query ZapierApiKey($id: ID!) {\n    apiKey(id: $id) { ...ZapierApiKeyFields }\n  }\n": typeof types.ZapierApiKeyDocument,
    "\n  mutation ZapierCreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      __typename\n      ... on CreateApiKeySuccess {\n        token\n        secret\n        apiKey { ...ZapierApiKeyFields }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": typeof types.ZapierCreateApiKeyDocument,
    "\n  mutation ZapierRotateApiKey($input: RotateApiKeyInput!) {\n    rotateApiKey(input: $input) {\n      __typename\n      ... on RotateApiKeySuccess {\n        token\n        secret\n        apiKey { ...ZapierApiKeyFields }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": typeof types.ZapierRotateApiKeyDocument,
    "\n  mutation ZapierRevokeApiKey($input: RevokeApiKeyInput!) {\n    revokeApiKey(input: $input) {\n      __typename\n      ... on RevokeApiKeySuccess {\n        apiKey { ...ZapierApiKeyFields }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": typeof types.ZapierRevokeApiKeyDocument,
    "\n  query ZapierEvents($filter: EventFilter, $first: Int, $after: String, $order: EventOrder) {\n    events(filter: $filter, first: $first, after: $after, order: $order) {\n      edges { node { id type occurredAt organizationId data } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": typeof types.ZapierEventsDocument,
    "\n  mutation ZapierCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      __typename\n      ... on CreateWebhookEndpointSuccess { secret webhookEndpoint { id kind url eventTypes enabled } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": typeof types.ZapierCreateWebhookEndpointDocument,
    "\n  mutation ZapierDeleteWebhookEndpoint($input: DeleteWebhookEndpointInput!) {\n    deleteWebhookEndpoint(input: $input) {\n      __typename\n      ... on DeleteWebhookEndpointSuccess { webhookEndpoint { id } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": typeof types.ZapierDeleteWebhookEndpointDocument,
};
const documents: Documents = {
    "\n  query ZapierViewer {\n    viewer {\n      apiKey { id keyId name kind }\n      user { id name }\n      organization { id name }\n    }\n  }\n": types.ZapierViewerDocument,
    "\n  query ZapierUsers($filter: UserFilter, $first: Int, $after: String) {\n    users(filter: $filter, first: $first, after: $after) {\n      edges { node { id name email kind status organizationId createdAt } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.ZapierUsersDocument,
    "\n  query ZapierRoles($first: Int, $after: String) {\n    roles(first: $first, after: $after) {\n      edges { node { id name description permissions } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.ZapierRolesDocument,
    "\n  mutation ZapierCreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      __typename\n      ... on CreateUserSuccess { user { id name email kind status organizationId createdAt } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": types.ZapierCreateUserDocument,
    "\n  mutation ZapierAssignRoles($input: AssignRolesInput!) {\n    assignRoles(input: $input) {\n      __typename\n      ... on AssignRolesSuccess { user { id roles { role { id name } } } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": types.ZapierAssignRolesDocument,
    "\n  fragment ZapierApiKeyFields on ApiKey {\n    id keyId name description kind status start userId organizationId createdAt updatedAt\n    lastUsedAt validFrom validUntil rotatedAt revokedAt revokedReason allowedIps\n    permissions { permission resourceIds }\n    user { id name email }\n  }\n": types.ZapierApiKeyFieldsFragmentDoc,
    "\n  query ZapierApiKeys($filter: ApiKeyFilter, $first: Int, $after: String) {\n    apiKeys(filter: $filter, first: $first, after: $after) {\n      edges {\n        node { ...ZapierApiKeyFields }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.ZapierApiKeysDocument,
    "\n  query ZapierApiKey($id: ID!) {\n    apiKey(id: $id) { ...ZapierApiKeyFields }\n  }\n": types.ZapierApiKeyDocument,
    "\n  mutation ZapierCreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      __typename\n      ... on CreateApiKeySuccess {\n        token\n        secret\n        apiKey { ...ZapierApiKeyFields }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": types.ZapierCreateApiKeyDocument,
    "\n  mutation ZapierRotateApiKey($input: RotateApiKeyInput!) {\n    rotateApiKey(input: $input) {\n      __typename\n      ... on RotateApiKeySuccess {\n        token\n        secret\n        apiKey { ...ZapierApiKeyFields }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": types.ZapierRotateApiKeyDocument,
    "\n  mutation ZapierRevokeApiKey($input: RevokeApiKeyInput!) {\n    revokeApiKey(input: $input) {\n      __typename\n      ... on RevokeApiKeySuccess {\n        apiKey { ...ZapierApiKeyFields }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": types.ZapierRevokeApiKeyDocument,
    "\n  query ZapierEvents($filter: EventFilter, $first: Int, $after: String, $order: EventOrder) {\n    events(filter: $filter, first: $first, after: $after, order: $order) {\n      edges { node { id type occurredAt organizationId data } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n": types.ZapierEventsDocument,
    "\n  mutation ZapierCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      __typename\n      ... on CreateWebhookEndpointSuccess { secret webhookEndpoint { id kind url eventTypes enabled } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": types.ZapierCreateWebhookEndpointDocument,
    "\n  mutation ZapierDeleteWebhookEndpoint($input: DeleteWebhookEndpointInput!) {\n    deleteWebhookEndpoint(input: $input) {\n      __typename\n      ... on DeleteWebhookEndpointSuccess { webhookEndpoint { id } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n": types.ZapierDeleteWebhookEndpointDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ZapierViewer {\n    viewer {\n      apiKey { id keyId name kind }\n      user { id name }\n      organization { id name }\n    }\n  }\n"): typeof import('./graphql.js').ZapierViewerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ZapierUsers($filter: UserFilter, $first: Int, $after: String) {\n    users(filter: $filter, first: $first, after: $after) {\n      edges { node { id name email kind status organizationId createdAt } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): typeof import('./graphql.js').ZapierUsersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ZapierRoles($first: Int, $after: String) {\n    roles(first: $first, after: $after) {\n      edges { node { id name description permissions } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): typeof import('./graphql.js').ZapierRolesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ZapierCreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      __typename\n      ... on CreateUserSuccess { user { id name email kind status organizationId createdAt } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"): typeof import('./graphql.js').ZapierCreateUserDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ZapierAssignRoles($input: AssignRolesInput!) {\n    assignRoles(input: $input) {\n      __typename\n      ... on AssignRolesSuccess { user { id roles { role { id name } } } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"): typeof import('./graphql.js').ZapierAssignRolesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ZapierApiKeyFields on ApiKey {\n    id keyId name description kind status start userId organizationId createdAt updatedAt\n    lastUsedAt validFrom validUntil rotatedAt revokedAt revokedReason allowedIps\n    permissions { permission resourceIds }\n    user { id name email }\n  }\n"): typeof import('./graphql.js').ZapierApiKeyFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ZapierApiKeys($filter: ApiKeyFilter, $first: Int, $after: String) {\n    apiKeys(filter: $filter, first: $first, after: $after) {\n      edges {\n        node { ...ZapierApiKeyFields }\n      }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): typeof import('./graphql.js').ZapierApiKeysDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ZapierApiKey($id: ID!) {\n    apiKey(id: $id) { ...ZapierApiKeyFields }\n  }\n"): typeof import('./graphql.js').ZapierApiKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ZapierCreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      __typename\n      ... on CreateApiKeySuccess {\n        token\n        secret\n        apiKey { ...ZapierApiKeyFields }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"): typeof import('./graphql.js').ZapierCreateApiKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ZapierRotateApiKey($input: RotateApiKeyInput!) {\n    rotateApiKey(input: $input) {\n      __typename\n      ... on RotateApiKeySuccess {\n        token\n        secret\n        apiKey { ...ZapierApiKeyFields }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"): typeof import('./graphql.js').ZapierRotateApiKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ZapierRevokeApiKey($input: RevokeApiKeyInput!) {\n    revokeApiKey(input: $input) {\n      __typename\n      ... on RevokeApiKeySuccess {\n        apiKey { ...ZapierApiKeyFields }\n      }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"): typeof import('./graphql.js').ZapierRevokeApiKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ZapierEvents($filter: EventFilter, $first: Int, $after: String, $order: EventOrder) {\n    events(filter: $filter, first: $first, after: $after, order: $order) {\n      edges { node { id type occurredAt organizationId data } }\n      pageInfo { hasNextPage endCursor }\n    }\n  }\n"): typeof import('./graphql.js').ZapierEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ZapierCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      __typename\n      ... on CreateWebhookEndpointSuccess { secret webhookEndpoint { id kind url eventTypes enabled } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"): typeof import('./graphql.js').ZapierCreateWebhookEndpointDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ZapierDeleteWebhookEndpoint($input: DeleteWebhookEndpointInput!) {\n    deleteWebhookEndpoint(input: $input) {\n      __typename\n      ... on DeleteWebhookEndpointSuccess { webhookEndpoint { id } }\n      ... on Error { code message }\n      ... on ValidationError { fields { path message } }\n    }\n  }\n"): typeof import('./graphql.js').ZapierDeleteWebhookEndpointDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
