import { describe, expect, it } from 'vitest';
import { migrateDatabase } from '../../src/infra/orm.ts';
import { testConfig } from '../harness.ts';

/**
 * Replicas starting together all migrate and grant the runtime role. Unserialised, concurrent
 * GRANTs on the same tables fail with "tuple concurrently updated" (seen in CI with two replicas);
 * migrateDatabase takes turns on an advisory lock.
 */
describe('migrating from several processes at once', () => {
  it('succeeds for every one of them, round after round', async () => {
    const config = testConfig();
    for (let round = 0; round < 3; round++) {
      const counts = await Promise.all(Array.from({ length: 4 }, () => migrateDatabase(config)));
      expect(new Set(counts).size).toBe(1);
      expect(counts[0]).toBeGreaterThan(0);
    }
  });
});
