import { graphql } from './gql/index.js';

/**
 * Every GraphQL operation the app sends. GraphQL Code Generator (the root `npm run codegen`) turns
 * them into typed document strings in ./gql, checked against schema.graphql.
 */

export const Viewer = graphql(`
  query ZapierViewer {
    viewer {
      apiKey { id keyId name kind }
      user { id name }
      organization { id name }
    }
  }
`);

export const Users = graphql(`
  query ZapierUsers($filter: UserFilter, $first: Int, $after: String) {
    users(filter: $filter, first: $first, after: $after) {
      edges { node { id name email kind status organizationId createdAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const Roles = graphql(`
  query ZapierRoles($first: Int, $after: String) {
    roles(first: $first, after: $after) {
      edges { node { id name description permissions } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const CreateUser = graphql(`
  mutation ZapierCreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      __typename
      ... on CreateUserSuccess { user { id name email kind status organizationId createdAt } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const AssignRoles = graphql(`
  mutation ZapierAssignRoles($input: AssignRolesInput!) {
    assignRoles(input: $input) {
      __typename
      ... on AssignRolesSuccess { user { id roles { role { id name } } } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

/** The key as the app outputs it: never a secret (those exist only in create/rotate payloads). */
export const ApiKeyFields = graphql(`
  fragment ZapierApiKeyFields on ApiKey {
    id keyId name description kind status start userId organizationId createdAt updatedAt
    lastUsedAt validFrom validUntil rotatedAt revokedAt revokedReason allowedIps
    permissions { permission resourceIds }
    user { id name email }
  }
`);

export const ApiKeys = graphql(`
  query ZapierApiKeys($filter: ApiKeyFilter, $first: Int, $after: String) {
    apiKeys(filter: $filter, first: $first, after: $after) {
      edges {
        node { ...ZapierApiKeyFields }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const ApiKeyById = graphql(`
  query ZapierApiKey($id: ID!) {
    apiKey(id: $id) { ...ZapierApiKeyFields }
  }
`);

export const CreateApiKey = graphql(`
  mutation ZapierCreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      __typename
      ... on CreateApiKeySuccess {
        token
        secret
        apiKey { ...ZapierApiKeyFields }
      }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const RotateApiKey = graphql(`
  mutation ZapierRotateApiKey($input: RotateApiKeyInput!) {
    rotateApiKey(input: $input) {
      __typename
      ... on RotateApiKeySuccess {
        token
        secret
        apiKey { ...ZapierApiKeyFields }
      }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const RevokeApiKey = graphql(`
  mutation ZapierRevokeApiKey($input: RevokeApiKeyInput!) {
    revokeApiKey(input: $input) {
      __typename
      ... on RevokeApiKeySuccess {
        apiKey { ...ZapierApiKeyFields }
      }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const Events = graphql(`
  query ZapierEvents($filter: EventFilter, $first: Int, $after: String, $order: EventOrder) {
    events(filter: $filter, first: $first, after: $after, order: $order) {
      edges { node { id type occurredAt organizationId data } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const CreateWebhookEndpoint = graphql(`
  mutation ZapierCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      __typename
      ... on CreateWebhookEndpointSuccess { secret webhookEndpoint { id kind url eventTypes enabled } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const DeleteWebhookEndpoint = graphql(`
  mutation ZapierDeleteWebhookEndpoint($input: DeleteWebhookEndpointInput!) {
    deleteWebhookEndpoint(input: $input) {
      __typename
      ... on DeleteWebhookEndpointSuccess { webhookEndpoint { id } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);
