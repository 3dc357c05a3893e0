import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fetchGithubKeys, GithubKeySource, parseGithubKeysConfig, verifyGithubSignature } from '../../src/modules/leaks/github-signature.ts';

const pem = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('GitHub’s signing keys', () => {
  it('are fetched once, cached for the TTL, shared by callers at once; an unknown id refetches at most once a minute', async () => {
    let clock = 0;
    let fetches = 0;
    const keys = [{ id: 'k1', pem: pem() }];
    const source = new GithubKeySource({
      fetchKeys: async () => {
        fetches++;
        await new Promise((r) => setTimeout(r, 10));
        return keys;
      },
      ttlMs: 3_600_000,
      now: () => clock,
    });
    const [a, b] = await Promise.all([source.keyFor('k1'), source.keyFor('k1')]);
    expect(a).not.toBeNull();
    expect(b).toBe(a);
    expect(fetches).toBe(1);
    expect(await source.keyFor('nope')).toBeNull();
    expect(fetches).toBe(2); // one refetch for an unknown id…
    for (let i = 0; i < 20; i++) expect(await source.keyFor(`nope${i}`)).toBeNull();
    expect(fetches).toBe(2); // …and no more within the minute
    clock += 61_000;
    keys.push({ id: 'k2', pem: pem() }); // GitHub rotated in a new key
    expect(await source.keyFor('k2')).not.toBeNull();
    expect(fetches).toBe(3);
    clock += 3_600_000;
    await source.keyFor('k1');
    expect(fetches).toBe(4); // the TTL ran out
  });

  it('keep the cached keys when a fetch fails', async () => {
    let clock = 0;
    let fail = false;
    const source = new GithubKeySource({
      fetchKeys: async () => {
        if (fail) throw new Error('GitHub down');
        return [{ id: 'k1', pem: pem() }];
      },
      ttlMs: 1000,
      now: () => clock,
    });
    expect(await source.keyFor('k1')).not.toBeNull();
    fail = true;
    clock += 2000;
    expect(await source.keyFor('k1')).not.toBeNull();
  });

  it('a fetch that throws at once, or answers no usable key, keeps the cache; nothing escapes verification', async () => {
    let clock = 0;
    let mode: 'ok' | 'throw' | 'empty' = 'ok';
    const k1 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const source = new GithubKeySource({
      fetchKeys: () => {
        if (mode === 'throw') throw new Error('synchronous failure');
        return Promise.resolve(mode === 'empty' ? [] : [{ id: 'k1', pem: k1.publicKey.export({ type: 'spki', format: 'pem' }).toString() }]);
      },
      ttlMs: 1000,
      now: () => clock,
    });
    const body = Buffer.from('[]');
    const sig = sign('sha256', body, { key: k1.privateKey, dsaEncoding: 'der' }).toString('base64');
    expect(await verifyGithubSignature(source, body, 'k1', sig)).toBe(true);
    mode = 'throw';
    clock += 2000;
    expect(await verifyGithubSignature(source, body, 'k1', sig)).toBe(true);
    mode = 'empty';
    clock += 120_000;
    expect(await verifyGithubSignature(source, body, 'k1', sig)).toBe(true);
    const broken = new GithubKeySource({
      fetchKeys: () => {
        throw new Error('synchronous failure');
      },
    });
    expect(await verifyGithubSignature(broken, body, 'k1', sig)).toBe(false);
  });

  it('fetchGithubKeys reads at most 256 KiB in bytes, follows no redirect, skips unusable entries', async () => {
    const good = pem();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const mixed = {
      public_keys: [
        { key_identifier: 'bad id!', key: good },
        { key_identifier: 'r', key: rsa },
        { key_identifier: 'e', key: p384 },
        { key_identifier: 'ok', key: good },
        42,
      ],
    };
    const f = (body: unknown) => (async () => new Response(JSON.stringify(body))) as unknown as typeof fetch;
    expect(await fetchGithubKeys('https://x', f(mixed))).toEqual([{ id: 'ok', pem: good }]);
    await expect(fetchGithubKeys('https://x', f({ public_keys: [{ key_identifier: 'r', key: rsa }] }))).rejects.toThrow(/no usable/);
    // Multi-byte characters: under 256 Ki characters, over 256 KiB; streamed without a length header.
    let pulled = 0;
    const huge = (async () =>
      new Response(
        new ReadableStream({
          pull(c) {
            pulled++;
            c.enqueue(new TextEncoder().encode('é'.repeat(32 * 1024)));
          },
        }),
      )) as unknown as typeof fetch;
    await expect(fetchGithubKeys('https://x', huge)).rejects.toThrow(/too large/);
    expect(pulled).toBeLessThan(10); // cancelled as soon as it went over, not read to the end
    let redirect: RequestRedirect | undefined;
    const spy = (async (_url: string, init: RequestInit) => {
      redirect = init.redirect;
      return new Response(JSON.stringify({ public_keys: [{ key_identifier: 'ok', key: good }] }));
    }) as unknown as typeof fetch;
    await fetchGithubKeys('https://x', spy);
    expect(redirect).toBe('error');
  });

  it('configured keys that are not P-256 public keys fail at startup', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => parseGithubKeysConfig(JSON.stringify([{ key_identifier: 'r', key: rsa }]))).toThrow(/key r is not a PEM ECDSA P-256/);
    expect(() => parseGithubKeysConfig(JSON.stringify([{ key_identifier: 'x', key: 'not a pem' }]))).toThrow(/key x/);
    expect(parseGithubKeysConfig(JSON.stringify([{ key_identifier: 'k', key: pem() }]))).toHaveLength(1);
  });

  it('fetchGithubKeys validates GitHub’s answer; the config form is checked with a clear error', async () => {
    const good = { public_keys: [{ key_identifier: 'abc123', key: pem(), is_current: true }] };
    const f = (body: unknown, status = 200) => (async () => new Response(JSON.stringify(body), { status })) as unknown as typeof fetch;
    expect(await fetchGithubKeys('https://x', f(good))).toEqual([{ id: 'abc123', pem: good.public_keys[0]!.key }]);
    await expect(fetchGithubKeys('https://x', f({ public_keys: [{ key_identifier: 'a b', key: 'x' }] }))).rejects.toThrow(/no usable/);
    await expect(fetchGithubKeys('https://x', f({ keys: [] }))).rejects.toThrow();
    await expect(fetchGithubKeys('https://x', f(good, 500))).rejects.toThrow(/HTTP 500/);
    expect(() => parseGithubKeysConfig('nope')).toThrow(/KEYPLANE_GITHUB_SCANNING_KEYS: not JSON/);
    expect(() => parseGithubKeysConfig('[]')).toThrow(/KEYPLANE_GITHUB_SCANNING_KEYS/);
  });

  it('a signature verifies only over the exact body, with the named key; hostile headers answer false', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const source = new GithubKeySource({ staticKeys: [{ id: 'k1', pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() }] });
    const body = Buffer.from('[{"token":"kp_sk_x"}]');
    const sig = sign('sha256', body, { key: privateKey, dsaEncoding: 'der' }).toString('base64');
    expect(await verifyGithubSignature(source, body, 'k1', sig)).toBe(true);
    expect(await verifyGithubSignature(source, Buffer.from('[{"token":"kp_sk_y"}]'), 'k1', sig)).toBe(false);
    expect(await verifyGithubSignature(source, body, 'k2', sig)).toBe(false);
    // Non-canonical spellings of the same bytes (no padding, padding inside, whitespace) are refused.
    const unpadded = sig.replace(/=+$/, '');
    const noncanonical = [unpadded === sig ? `${sig}==` : unpadded, ` ${sig}`, `${sig}\n`, `${sig.slice(0, 8)}=${sig.slice(8)}`];
    for (const bad of [undefined, '', 'A'.repeat(600), '!!!!', ['a', 'b'], `${sig.slice(0, -4)}AAAA`, ...noncanonical])
      expect(await verifyGithubSignature(source, body, 'k1', bad)).toBe(false);
  });
});
