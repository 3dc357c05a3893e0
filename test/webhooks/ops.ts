import { graphql } from '../gql/index.ts';

export const EndpointFields = graphql(`
  fragment EndpointFields on WebhookEndpoint {
    id organizationId kind url description eventTypes includeSubAccounts enabled disabledReason disabledAt failingSince
    secretRotatedAt previousSecretExpiresAt createdAt
  }
`);

export const CreateWebhookEndpoint = graphql(`
  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      __typename
      ... on CreateWebhookEndpointSuccess { secret webhookEndpoint { ...EndpointFields } }
      ... on ValidationError { code message fields { path message } }
      ... on Error { code message }
    }
  }
`);

export const UpdateWebhookEndpoint = graphql(`
  mutation UpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) {
    updateWebhookEndpoint(input: $input) {
      __typename
      ... on UpdateWebhookEndpointSuccess { secret webhookEndpoint { ...EndpointFields } }
      ... on ValidationError { code message fields { path message } }
      ... on Error { code message }
    }
  }
`);

export const DeleteWebhookEndpoint = graphql(`
  mutation DeleteWebhookEndpoint($input: DeleteWebhookEndpointInput!) {
    deleteWebhookEndpoint(input: $input) {
      __typename
      ... on DeleteWebhookEndpointSuccess { webhookEndpoint { id enabled } }
      ... on Error { code message }
    }
  }
`);

export const WebhookEndpoints = graphql(`
  query WebhookEndpoints($filter: WebhookEndpointFilter, $first: Int, $after: String) {
    webhookEndpoints(filter: $filter, first: $first, after: $after) {
      edges { node { ...EndpointFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const WebhookEndpointQ = graphql(`
  query WebhookEndpointQ($id: ID!) { webhookEndpoint(id: $id) { ...EndpointFields } }
`);

export const Deliveries = graphql(`
  query Deliveries($filter: DeliveryFilter, $first: Int, $after: String) {
    deliveries(filter: $filter, first: $first, after: $after) {
      edges {
        node {
          id webhookId status endpointId eventId eventType attemptCount round nextAttemptAt lastStatusCode lastError succeededAt
          event { id type organizationId keyId data }
          attempts { attempt round attemptedAt statusCode durationMs success responseExcerpt errorCode errorMessage }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const ReplayDelivery = graphql(`
  mutation ReplayDelivery($input: ReplayDeliveryInput!) {
    replayDelivery(input: $input) {
      __typename
      ... on ReplayDeliverySuccess { delivery { id status round webhookId } }
      ... on Error { code message }
    }
  }
`);

export const Recover = graphql(`
  mutation RecoverDeliveries($input: RecoverDeliveriesInput!) {
    recoverDeliveries(input: $input) {
      __typename
      ... on RecoverDeliveriesSuccess { recovered hasMore webhookEndpoint { id } }
      ... on Error { code message }
    }
  }
`);
