import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123000000_foundation } from './Migration20261123000000_foundation.js';
import { Migration20261123010000_keys } from './Migration20261123010000_keys.js';

/** Explicit, ordered list: no glob loading, works the same under tsx, vitest and a bundler. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261123000000_foundation', class: Migration20261123000000_foundation },
  { name: 'Migration20261123010000_keys', class: Migration20261123010000_keys },
];
