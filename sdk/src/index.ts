export { createKeyplane, type ApiKey, type CreatedKey, type Keyplane, type KeyplaneOptions, type KeyEvent, type UsagePoint } from './client.ts';
export { extractKey, type ExtractedKey } from './credentials.ts';
export type { FeedState } from './feed.ts';
export {
  KeyplaneError,
  VERIFY_CODES,
  type ErrorBody,
  type Grant,
  type KeyKind,
  type KeySnapshot,
  type KeyStatus,
  type VerifyCode,
  type VerifyInput,
  type VerifyKeyResult,
} from './types.ts';
export type * as Schema from './gql/graphql.ts';
