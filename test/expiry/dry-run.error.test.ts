import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseAsOf } from '../../src/cli/expiry.ts';
import { testDatabaseUrl } from '../context.ts';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, DATABASE_URL: testDatabaseUrl(), NODE_ENV: 'test', KEYPLANE_LOG_LEVEL: 'silent' };
  return new Promise((resolve) => {
    execFile('npm', ['run', '-s', 'expiry', '--', ...args], { env, cwd: process.cwd() }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
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
    expect(missing.stderr).toContain('usage: npm run expiry -- --as-of DATE');

    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('invalid --as-of: 2027-02-30');

    expect(org.code).toBe(2);
    expect(org.stderr).toContain('invalid --org');

    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--apply'/);
    for (const r of [missing, invalid, org, unknown]) expect(r.stdout).toBe('');
  });
});
