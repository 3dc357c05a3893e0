import { graphql } from '../gql/index.js';

/** Every operation the console sends, typed by GraphQL Code Generator (npm run codegen). */

export const ViewerQuery = graphql(`
  query ConsoleViewer {
    viewer {
      user { id name email kind }
      organization { id name parentId depth }
      permissions { permission resourceIds }
    }
  }
`);

export const ApiKeysQuery = graphql(`
  query ConsoleApiKeys($filter: ApiKeyFilter, $first: Int, $after: String) {
    apiKeys(filter: $filter, first: $first, after: $after) {
      edges {
        node {
          id name kind status start lastUsedAt expiresAt createdAt
          user { id name }
          organization { id name }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const ApiKeyQuery = graphql(`
  query ConsoleApiKey($id: ID!) {
    apiKey(id: $id) {
      id keyId name description kind status start source
      permissions { permission resourceIds }
      validFrom validUntil expiresAt allowedIps
      subAccounts { mode organizationIds }
      rateLimit { limit windowSeconds }
      credits lastUsedAt lastUsedIp lastActivityAt rotatedAt previousSecretExpiresAt revokedAt revokedReason leakedAt createdAt
      user { id name }
      organization { id name }
    }
  }
`);

export const KeyUsageQuery = graphql(`
  query ConsoleKeyUsage($filter: UsageFilter!, $id: ID!) {
    usage(filter: $filter) { start code count }
    apiKey(id: $id) {
      id
      verifications(first: 20) { edges { node { at code ip permission } } }
    }
  }
`);

export const CreateApiKeyMutation = graphql(`
  mutation ConsoleCreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      __typename
      ... on CreateApiKeySuccess { token secret apiKey { id keyId name kind } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const RotateApiKeyMutation = graphql(`
  mutation ConsoleRotateApiKey($input: RotateApiKeyInput!) {
    rotateApiKey(input: $input) {
      __typename
      ... on RotateApiKeySuccess { token secret apiKey { id previousSecretExpiresAt rotatedAt } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const UpdateApiKeyMutation = graphql(`
  mutation ConsoleUpdateApiKey($input: UpdateApiKeyInput!) {
    updateApiKey(input: $input) {
      __typename
      ... on UpdateApiKeySuccess { apiKey { id name } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const RevokeApiKeyMutation = graphql(`
  mutation ConsoleRevokeApiKey($input: RevokeApiKeyInput!) {
    revokeApiKey(input: $input) {
      __typename
      ... on RevokeApiKeySuccess { apiKey { id status revokedAt revokedReason } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const DeleteApiKeyMutation = graphql(`
  mutation ConsoleDeleteApiKey($input: DeleteApiKeyInput!) {
    deleteApiKey(input: $input) {
      __typename
      ... on DeleteApiKeySuccess { apiKey { id } }
      ... on Error { code message }
    }
  }
`);

export const CatalogQuery = graphql(`
  query ConsoleCatalog($organizationId: ID) {
    permissionCatalog(organizationId: $organizationId) { name description actions publicActions sensitiveFields builtIn organizationId permissions }
  }
`);

export const DefineResourceMutation = graphql(`
  mutation ConsoleDefineResource($input: DefineResourceInput!) {
    defineResource(input: $input) {
      __typename
      ... on DefineResourceSuccess { resource { name } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const UsersQuery = graphql(`
  query ConsoleUsers($filter: UserFilter, $first: Int, $after: String) {
    users(filter: $filter, first: $first, after: $after) {
      edges { node { id name email kind status createdAt roles { roleId role { id name } } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const CreateUserMutation = graphql(`
  mutation ConsoleCreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      __typename
      ... on CreateUserSuccess { user { id name } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const UpdateUserMutation = graphql(`
  mutation ConsoleUpdateUser($input: UpdateUserInput!) {
    updateUser(input: $input) {
      __typename
      ... on UpdateUserSuccess { user { id status } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const AssignRolesMutation = graphql(`
  mutation ConsoleAssignRoles($input: AssignRolesInput!) {
    assignRoles(input: $input) {
      __typename
      ... on AssignRolesSuccess { user { id } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const RolesQuery = graphql(`
  query ConsoleRoles($organizationId: ID, $first: Int) {
    roles(organizationId: $organizationId, first: $first) {
      edges { node { id name description permissions organizationId } }
    }
  }
`);

export const CreateRoleMutation = graphql(`
  mutation ConsoleCreateRole($input: CreateRoleInput!) {
    createRole(input: $input) {
      __typename
      ... on CreateRoleSuccess { role { id name } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const DeleteRoleMutation = graphql(`
  mutation ConsoleDeleteRole($input: DeleteRoleInput!) {
    deleteRole(input: $input) {
      __typename
      ... on DeleteRoleSuccess { role { id } }
      ... on Error { code message }
    }
  }
`);

export const OrganizationsQuery = graphql(`
  query ConsoleOrganizations($first: Int, $after: String) {
    organizations(first: $first, after: $after) {
      edges { node { id name parentId depth inactivityDays warningDays createdAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const CreateOrganizationMutation = graphql(`
  mutation ConsoleCreateOrganization($input: CreateOrganizationInput!) {
    createOrganization(input: $input) {
      __typename
      ... on CreateOrganizationSuccess { organization { id name } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const UpdateOrganizationMutation = graphql(`
  mutation ConsoleUpdateOrganization($input: UpdateOrganizationInput!) {
    updateOrganization(input: $input) {
      __typename
      ... on UpdateOrganizationSuccess { organization { id inactivityDays warningDays } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const AuditLogQuery = graphql(`
  query ConsoleAuditLog($filter: AuditLogFilter, $first: Int, $after: String) {
    auditLog(filter: $filter, first: $first, after: $after) {
      edges { node { id action actorUserId actorKeyId actorKeyName targetType targetId targetName changes ip occurredAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const EventsQuery = graphql(`
  query ConsoleEvents($filter: EventFilter, $first: Int, $after: String) {
    events(filter: $filter, first: $first, after: $after) {
      edges { node { id type occurredAt organizationId keyId data } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const KeyEventsSubscription = graphql(`
  subscription ConsoleKeyEvents($filter: KeyEventsFilter) {
    keyEvents(filter: $filter) { id type occurredAt organizationId keyId data }
  }
`);

export const WebhookEndpointsQuery = graphql(`
  query ConsoleWebhookEndpoints($first: Int) {
    webhookEndpoints(first: $first) {
      edges { node { id url description kind enabled eventTypes includeSubAccounts disabledReason failingSince createdAt } }
    }
  }
`);

export const CreateWebhookEndpointMutation = graphql(`
  mutation ConsoleCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      __typename
      ... on CreateWebhookEndpointSuccess { secret webhookEndpoint { id url } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const UpdateWebhookEndpointMutation = graphql(`
  mutation ConsoleUpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) {
    updateWebhookEndpoint(input: $input) {
      __typename
      ... on UpdateWebhookEndpointSuccess { secret webhookEndpoint { id enabled } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const DeleteWebhookEndpointMutation = graphql(`
  mutation ConsoleDeleteWebhookEndpoint($input: DeleteWebhookEndpointInput!) {
    deleteWebhookEndpoint(input: $input) {
      __typename
      ... on DeleteWebhookEndpointSuccess { webhookEndpoint { id } }
      ... on Error { code message }
    }
  }
`);

export const DeliveriesQuery = graphql(`
  query ConsoleDeliveries($filter: DeliveryFilter, $first: Int, $after: String) {
    deliveries(filter: $filter, first: $first, after: $after) {
      edges {
        node {
          id eventType status attemptCount lastStatusCode lastError lastAttemptAt nextAttemptAt createdAt webhookId
          endpoint { id url }
          attempts { attempt round attemptedAt statusCode durationMs success errorMessage }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const ReplayDeliveryMutation = graphql(`
  mutation ConsoleReplayDelivery($input: ReplayDeliveryInput!) {
    replayDelivery(input: $input) {
      __typename
      ... on ReplayDeliverySuccess { delivery { id status } }
      ... on Error { code message }
    }
  }
`);

export const CustomersQuery = graphql(`
  query ConsoleCustomers($first: Int, $after: String, $filter: CustomerFilter) {
    customers(first: $first, after: $after, filter: $filter) {
      totalCount
      edges { node { id externalId name credits rateLimit { limit windowSeconds } createdAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const CreateCustomerMutation = graphql(`
  mutation ConsoleCreateCustomer($input: CreateCustomerInput!) {
    createCustomer(input: $input) {
      __typename
      ... on CreateCustomerSuccess { customer { id } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const DeleteCustomerMutation = graphql(`
  mutation ConsoleDeleteCustomer($input: DeleteCustomerInput!) {
    deleteCustomer(input: $input) {
      __typename
      ... on Error { code message }
    }
  }
`);

export const CreditUsageQuery = graphql(`
  query ConsoleCreditUsage($filter: CreditUsageFilter!) {
    creditUsage(filter: $filter) { start credits }
  }
`);
