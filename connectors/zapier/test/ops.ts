import { graphql } from '../../../test/gql/index.js';

/** Operations the Zapier tests run as the organisation's owner, to act and to check what the app did. */
export const OwnerCreateKey = graphql(`
  mutation ZapierTestCreateKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      __typename
      ... on CreateApiKeySuccess { token apiKey { id keyId name } }
      ... on Error { code message }
    }
  }
`);

export const OwnerRotateKey = graphql(`
  mutation ZapierTestRotateKey($input: RotateApiKeyInput!) {
    rotateApiKey(input: $input) { __typename ... on Error { code message } }
  }
`);

export const OwnerRevokeKey = graphql(`
  mutation ZapierTestRevokeKey($input: RevokeApiKeyInput!) {
    revokeApiKey(input: $input) { __typename ... on Error { code message } }
  }
`);

export const OwnerEndpoints = graphql(`
  query ZapierTestEndpoints($filter: WebhookEndpointFilter) {
    webhookEndpoints(filter: $filter, first: 100) { edges { node { id kind url eventTypes enabled disabledReason } } }
  }
`);

export const OwnerKey = graphql(`
  query ZapierTestKey($id: ID!) { apiKey(id: $id) { id name status revokedReason rotatedAt user { id } permissions { permission } } }
`);

export const OwnerUser = graphql(`
  query ZapierTestUser($id: ID!) { user(id: $id) { id name email kind status roles { role { id name } } } }
`);

export const OwnerVerify = graphql(`
  mutation ZapierTestVerify($input: VerifyKeyInput!) { verifyKey(input: $input) { valid code } }
`);

export const OwnerUpdateKey = graphql(`
  mutation ZapierTestUpdateKey($input: UpdateApiKeyInput!) {
    updateApiKey(input: $input) { __typename ... on Error { code message } }
  }
`);

export const OwnerDeleteKey = graphql(`
  mutation ZapierTestDeleteKey($input: DeleteApiKeyInput!) {
    deleteApiKey(input: $input) { __typename ... on Error { code message } }
  }
`);
