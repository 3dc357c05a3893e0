import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { guardedLookup, isRefusedAddress, PrivateNetworks, type Resolver, validateOutgoingUrl } from '../../src/lib/ssrf.ts';
import { assertEndpointUrl } from '../../src/modules/webhooks/webhook-url.ts';

/**
 * KEYPLANE_WEBHOOKS_ALLOW_PRIVATE_CIDRS opens chosen private ranges to webhooks (self-hosted
 * receivers) and nothing else: never loopback, link-local or a metadata address, never public or
 * reserved space passed off as a range.
 */
describe('private networks an operator opens to webhooks', () => {
  it('accepts ranges inside private space only, naming the bad entry', () => {
    expect(PrivateNetworks.parse('192.168.10.0/24, 10.0.0.0/8,fd12:3456::/32,100.64.1.0/24').cidrs).toHaveLength(4);
    expect(PrivateNetworks.parse('').cidrs).toEqual([]);
    for (const bad of [
      '0.0.0.0/0',
      '::/0',
      '127.0.0.0/8',
      '169.254.0.0/16',
      '8.8.8.0/24',
      '172.0.0.0/8',
      '192.168.0.0/15',
      'fe80::/10',
      '10.0.0.1',
      'junk',
      '10.0.0.0/33',
    ]) {
      expect(() => PrivateNetworks.parse(bad), bad).toThrow(bad.split('/')[0]!);
    }
    expect(() => PrivateNetworks.parse(Array.from({ length: 65 }, (_, i) => `10.${i}.0.0/16`).join(','))).toThrow('at most 64');
  });

  it('opens exactly the listed addresses, and never loopback, link-local or metadata', () => {
    const open = PrivateNetworks.parse('192.168.10.0/24,100.64.0.0/10,fd00::/8');
    expect(isRefusedAddress('192.168.10.5', false, open)).toBeNull();
    expect(isRefusedAddress('::ffff:192.168.10.5', false, open)).toBeNull();
    expect(isRefusedAddress('192.168.11.5', false, open)).toBe('private');
    expect(isRefusedAddress('192.168.10.5', false)).toBe('private');
    expect(isRefusedAddress('127.0.0.1', false, open)).toBe('loopback');
    expect(isRefusedAddress('169.254.169.254', false, open)).toBe('metadata');
    // Metadata services inside opened ranges stay refused (Alibaba's in 100.64/10, AWS's IPv6 in fd00::/8).
    expect(isRefusedAddress('100.100.100.200', false, open)).toBe('metadata');
    expect(isRefusedAddress('fd00:ec2::254', false, open)).toBe('metadata');
    // A private IPv4 address carried inside 6to4 is not opened by its IPv4 range.
    expect(isRefusedAddress('2002:c0a8:0a05::1', false, open)).not.toBeNull();
  });

  it('applies at connect time (the address a name resolves to) and to IP literals in URLs', async () => {
    const open = PrivateNetworks.parse('192.168.10.0/24');
    const resolver: Resolver = (_host, _opts, cb) => cb(null, [{ address: '192.168.10.5', family: 4 }]);
    const lookup = (allow?: PrivateNetworks) =>
      new Promise<{ err: NodeJS.ErrnoException | null; addresses: LookupAddress[] }>((resolve) =>
        guardedLookup(false, resolver, allow)('hooks.lan.example', { all: true }, (err, addresses) =>
          resolve({ err, addresses: addresses as LookupAddress[] }),
        ),
      );
    expect((await lookup(open)).addresses).toEqual([{ address: '192.168.10.5', family: 4 }]);
    expect((await lookup()).err?.code).toBe('ESSRF');
    expect(validateOutgoingUrl('https://192.168.10.5/hook', { allowLoopback: false, production: true, allowPrivate: open }).ok).toBe(true);
    expect(validateOutgoingUrl('https://192.168.10.5/hook', { allowLoopback: false, production: true }).ok).toBe(false);
    // Plain http stays refused in production, opened range or not.
    expect(validateOutgoingUrl('http://192.168.10.5/hook', { allowLoopback: false, production: true, allowPrivate: open }).ok).toBe(false);
    await expect(assertEndpointUrl({ webhooksAllowLoopback: false, production: true, webhooksAllowPrivate: open }, 'https://192.168.10.5/hook')).resolves.toBe(
      'https://192.168.10.5/hook',
    );
    await expect(assertEndpointUrl({ webhooksAllowLoopback: false, production: true }, 'https://192.168.10.5/hook')).rejects.toThrow('refused');
  });

  it('is configured by KEYPLANE_WEBHOOKS_ALLOW_PRIVATE_CIDRS, and a bad value stops the start naming it', () => {
    expect(loadConfig({ KEYPLANE_WEBHOOKS_ALLOW_PRIVATE_CIDRS: '10.20.0.0/16' }).webhooksAllowPrivate.cidrs).toEqual(['10.20.0.0/16']);
    expect(loadConfig({}).webhooksAllowPrivate.cidrs).toEqual([]);
    expect(() => loadConfig({ KEYPLANE_WEBHOOKS_ALLOW_PRIVATE_CIDRS: '0.0.0.0/0' })).toThrow(/KEYPLANE_WEBHOOKS_ALLOW_PRIVATE_CIDRS.*not inside private space/);
  });
});
