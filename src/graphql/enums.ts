import { builder } from './builder.ts';
import { KEY_KINDS } from '../db/entities/api-key.entity.ts';

/** The key kind enum, apart from the key schema: organisations' key policies name kinds too. */
export const ApiKeyKindEnum = builder.enumType('ApiKeyKind', { values: KEY_KINDS });
