import { graphql } from './gql/index.ts';

/** Operations shared by the foundation's tests (typed by GraphQL Code Generator). */
export const CreateOrganization = graphql(`
  mutation CreateOrganization($input: CreateOrganizationInput!) {
    createOrganization(input: $input) {
      __typename
      ... on CreateOrganizationSuccess { organization { id name parentId depth inactivityDays warningDays } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const UpdateOrganization = graphql(`
  mutation UpdateOrganization($input: UpdateOrganizationInput!) {
    updateOrganization(input: $input) {
      __typename
      ... on UpdateOrganizationSuccess { organization { id name inactivityDays warningDays } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const OrganizationQ = graphql(`
  query Organization($id: ID!) { organization(id: $id) { id name parentId } }
`);

export const Organizations = graphql(`
  query Organizations($first: Int, $after: String) {
    organizations(first: $first, after: $after) { edges { cursor node { id name depth } } pageInfo { hasNextPage endCursor } }
  }
`);

export const DefineResource = graphql(`
  mutation DefineResource($input: DefineResourceInput!) {
    defineResource(input: $input) {
      __typename
      ... on DefineResourceSuccess { resource { name actions publicActions sensitiveFields builtIn organizationId } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const Catalog = graphql(`
  query Catalog($organizationId: ID) { permissionCatalog(organizationId: $organizationId) { name actions publicActions sensitiveFields builtIn permissions } }
`);

export const CreateUser = graphql(`
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      __typename
      ... on CreateUserSuccess { user { id name email kind status organizationId } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const UpdateUser = graphql(`
  mutation UpdateUser($input: UpdateUserInput!) {
    updateUser(input: $input) {
      __typename
      ... on UpdateUserSuccess { user { id name email status } }
      ... on Error { code message }
    }
  }
`);

export const Users = graphql(`
  query Users($filter: UserFilter, $first: Int, $after: String) {
    users(filter: $filter, first: $first, after: $after) { edges { node { id name email kind status } } pageInfo { hasNextPage endCursor } }
  }
`);

export const UserQ = graphql(`
  query User($id: ID!) { user(id: $id) { id name roles { role { id name } resourceLimits { resource ids } } } }
`);

export const CreateRole = graphql(`
  mutation CreateRole($input: CreateRoleInput!) {
    createRole(input: $input) {
      __typename
      ... on CreateRoleSuccess { role { id name permissions organizationId } }
      ... on Error { code message }
      ... on ForbiddenError { missingPermission }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const UpdateRole = graphql(`
  mutation UpdateRole($input: UpdateRoleInput!) {
    updateRole(input: $input) {
      __typename
      ... on UpdateRoleSuccess { role { id name permissions } }
      ... on Error { code message }
    }
  }
`);

export const DeleteRole = graphql(`
  mutation DeleteRole($input: DeleteRoleInput!) {
    deleteRole(input: $input) { __typename ... on DeleteRoleSuccess { role { id } } ... on Error { code message } }
  }
`);

export const Roles = graphql(`
  query Roles($organizationId: ID, $first: Int, $after: String) {
    roles(organizationId: $organizationId, first: $first, after: $after) { edges { node { id name permissions } } pageInfo { hasNextPage endCursor } }
  }
`);

export const AssignRoles = graphql(`
  mutation AssignRoles($input: AssignRolesInput!) {
    assignRoles(input: $input) {
      __typename
      ... on AssignRolesSuccess { user { id } assignments { role { id name } resourceLimits { resource ids } } }
      ... on Error { code message }
      ... on ValidationError { fields { path message } }
    }
  }
`);

export const ViewerPerms = graphql(`
  query ViewerPerms { viewer { user { id } organization { id } permissions { permission resourceIds } } }
`);
