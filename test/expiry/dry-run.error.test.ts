import { describe, expect, it } from 'vitest';
import { expiryCommand, parseAsOf } from '../../src/cli/expiry.ts';
import { testDatabaseUrl } from '../context.ts';
import { runCommand } from '../harness.ts';

// In this process: `npm run expiry` itself is started as a process in dry-run.happy.
function cli(args: string[]) {
  return runCommand(expiryCommand, args, { DATABASE_URL: testDatabaseUrl(), NODE_ENV: 'test', KEYPLANE_LOG_LEVEL: 'silent' });
}

describe('expiry dry run errors', () => {
  it('refuses dates that are not real calendar dates or instants', () => {
    for (const bad of ['2027-02-30', '2027-13-01', '27-03-01', 'tomorrow', '2027-03-01T25:00:00Z', '2027-03-01T12:00:00', '1709251200', ''])
      expect(parseAsOf(bad), bad).toBeNull();
  });

  it('exits 2 with the usage for a missing or invalid --as-of, a bad --org or an unknown option, before touching the database', async () => {
    const [missing, invalid, org, unknown] = await Promise.all([
      cli([]),
      cli(['--as-of', '2027-02-30']),
      cli(['--as-of', '2027-03-01', '--org', "x' or 1=1 --"]),
      cli(['--as-of', '2027-03-01', '--apply']),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('usage: npm run expiry -- --as-of DATE');

    expect(invalid.code).toBe(2);
    expect(invalid.err).toContain('invalid --as-of: 2027-02-30');

    expect(org.code).toBe(2);
    expect(org.err).toContain('invalid --org');

    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/Unknown option '--apply'/);
    for (const r of [missing, invalid, org, unknown]) expect(r.out).toBe('');
  });
});
