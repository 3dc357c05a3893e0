import { graphql } from '../gql/index.ts';

export const Notifications = graphql(`
  query Notifications($unreadOnly: Boolean, $organizationId: ID, $first: Int, $after: String) {
    notifications(unreadOnly: $unreadOnly, organizationId: $organizationId, first: $first, after: $after) {
      unreadCount
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node {
          id
          type
          title
          organizationId
          eventId
          apiKeyId
          apiKey { id name status }
          daysLeft
          reason
          expiresAt
          createdAt
          read
          readAt
        }
      }
    }
  }
`);

export const MarkNotificationsRead = graphql(`
  mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {
    markNotificationsRead(input: $input) {
      __typename
      ... on MarkNotificationsReadSuccess { notifications { id read readAt } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
      ... on NotFoundError { resource id }
      ... on ForbiddenError { missingPermission }
    }
  }
`);
