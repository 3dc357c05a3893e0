import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KeyplaneError } from '../../sdk/src/index.ts';
import { extractKey } from '../../sdk/src/credentials.ts';
import { hostScenario, sdk, startCountedServer, type Counted } from './helpers.ts';

let server: Counted;
beforeAll(async () => {
  server = await startCountedServer();
});
afterAll(() => server.close());

describe('SDK errors', () => {
  it('management calls turn payload errors into KeyplaneError with the code (and fields for validation)', async () => {
    const s = await hostScenario(server, { local: false });
    const invalid = await s.kp.createKey({ name: '', userId: s.userId }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(KeyplaneError);
    expect(invalid).toMatchObject({
      code: 'VALIDATION',
      details: { fields: expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining('name') })]) },
    });
    await expect(s.kp.revokeKey({ id: 'key_doesnotexist' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(s.kp.rotateKey({ id: 'key_doesnotexist' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await s.kp.close();
  });

  it('a host key that does not authenticate: verify rejects with UNAUTHENTICATED (401), the feed is refused', async () => {
    const states: string[] = [];
    // The refusal is the SDK's state to report, not a line in the host's stderr.
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const kp = sdk(server, 'kp_sk_notakey_0000000000000000000000', { onFeedState: (st) => states.push(st) });
      await expect(kp.verify({ token: 'kp_sk_whatever_x' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
      await expect.poll(() => kp.stats.feed, { timeout: 5000 }).toBe('refused');
      await expect(kp.listKeys()).rejects.toMatchObject({ status: 401 });
      await kp.close();
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
    }
  });

  it('invalid verify input is a 400 VALIDATION error from Keyplane, not a verification answer', async () => {
    const s = await hostScenario(server);
    await expect(s.kp.verify({ token: 'x'.repeat(600) })).rejects.toMatchObject({ code: 'VALIDATION', status: 400 });
    await expect(s.kp.verify({ keyId: 'abc' } as never)).rejects.toMatchObject({ code: 'VALIDATION' });
    // A malformed token is an answer.
    expect(await s.kp.verify({ token: 'kp_sk_bad' })).toMatchObject({ valid: false, code: 'MALFORMED' });
    await s.kp.close();
  });

  it('reads credentials as Keyplane does, refusing ambiguous or broken headers', () => {
    const basic = (v: string) => `Basic ${Buffer.from(v).toString('base64')}`;
    expect(extractKey('Bearer kp_sk_a_b', undefined)).toEqual({ token: 'kp_sk_a_b' });
    expect(extractKey(undefined, ' kp_sk_a_b ')).toEqual({ token: 'kp_sk_a_b' });
    expect(extractKey(basic('key1:secret'), undefined)).toEqual({ keyId: 'key1', secret: 'secret' });
    expect(extractKey(undefined, undefined)).toBe('none');
    expect(extractKey('Bearer a', 'b')).toBe('malformed');
    expect(extractKey(['Bearer a', 'Bearer b'], undefined)).toBe('malformed');
    expect(extractKey('Token abc', undefined)).toBe('malformed');
    expect(extractKey(basic('nocolon'), undefined)).toBe('malformed');
    expect(extractKey(basic(':secret'), undefined)).toBe('malformed');
    expect(extractKey('Basic !!!', undefined)).toBe('malformed');
    expect(extractKey(`Bearer ${'x'.repeat(5000)}`, undefined)).toBe('malformed');
  });
});
