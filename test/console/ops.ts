import { graphql } from '../gql/index.ts';

export const CreateConsoleSession = graphql(`
  mutation CreateConsoleSession($input: CreateConsoleSessionInput!) {
    createConsoleSession(input: $input) {
      __typename
      ... on CreateConsoleSessionSuccess { url expiresAt }
      ... on Error { code message }
      ... on ForbiddenError { missingPermission }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const ConsoleViewer = graphql(`
  query ConsoleViewer { viewer { user { id name } organization { id } permissions { permission resourceIds } } }
`);
