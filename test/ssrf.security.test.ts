import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { guardedLookup, isRefusedAddress, safeRequest, validateOutgoingUrl } from '../src/lib/ssrf.ts';

const dev = { allowLoopback: false, production: false };
const devLoopback = { allowLoopback: true, production: false };
const prod = { allowLoopback: false, production: true };

function urlFor(ip: string): string {
  return net.isIPv6(ip) ? `https://[${ip}]/hook` : `https://${ip}/hook`;
}

describe('refused address classes', () => {
  const v4: [string, string][] = [
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.1.1', 'linkLocal'],
    ['169.254.169.254', 'metadata'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.254', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
  ];
  const v6: [string, string][] = [
    ['::1', 'loopback'],
    ['fe80::1', 'linkLocal'],
    ['febf::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456:789a::1', 'uniqueLocal'],
    ['ff00::1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:0:10.0.0.1', 'private'],
    ['::10.0.0.1', 'private'],
    ['64:ff9b::a00:1', 'private'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b:1::a00:1', 'reserved'],
    ['2002:0a00:0001::', 'private'],
    ['2002:a9fe:a9fe::1', 'metadata'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
    ['fd00:ec2::254', 'metadata'],
    ['2001:db8::1', 'reserved'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['4000::1', 'reserved'],
  ];

  it.each([...v4, ...v6])('%s is refused as %s, as an address and as a URL host', (ip, cls) => {
    expect(isRefusedAddress(ip, false)).toBe(cls);
    const check = validateOutgoingUrl(urlFor(ip), dev);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toContain(cls);
  });

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'])('global unicast %s passes', (ip) => {
    expect(isRefusedAddress(ip, false)).toBeNull();
    expect(validateOutgoingUrl(urlFor(ip), dev).ok).toBe(true);
  });

  it('loopback passes only when allowed, and only loopback', () => {
    for (const ip of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(isRefusedAddress(ip, true)).toBeNull();
    for (const ip of ['10.0.0.1', '169.254.169.254', '0.0.0.0', '::', 'fe80::1']) expect(isRefusedAddress(ip, true)).not.toBeNull();
  });

  it('anything that is not an address is refused', () => {
    expect(isRefusedAddress('example.com', false)).toBe('invalid');
    expect(isRefusedAddress('', false)).toBe('invalid');
  });

  it.each(['https://2130706433/', 'https://0x7f.0.0.1/', 'https://0177.0.0.1/', 'https://127.1/', 'https://0/', 'https://[0:0:0:0:0:ffff:7f00:1]/'])(
    'alternative spellings of loopback are caught: %s',
    (url) => {
      expect(validateOutgoingUrl(url, dev).ok).toBe(false);
    },
  );
});

describe('URL policy', () => {
  it('refuses plain http when loopback is not allowed', () => {
    expect(validateOutgoingUrl('http://127.0.0.1:8080/hook', dev)).toMatchObject({ ok: false });
    expect(validateOutgoingUrl('http://example.com/hook', dev)).toMatchObject({ ok: false, reason: expect.stringContaining('https') });
  });

  it('allows http only to loopback receivers in development', () => {
    expect(validateOutgoingUrl('http://127.0.0.1:8080/hook', devLoopback).ok).toBe(true);
    expect(validateOutgoingUrl('http://[::1]:8080/hook', devLoopback).ok).toBe(true);
    expect(validateOutgoingUrl('http://localhost:8080/hook', devLoopback).ok).toBe(true);
    expect(validateOutgoingUrl('http://example.com/hook', devLoopback).ok).toBe(false);
    expect(validateOutgoingUrl('http://10.0.0.1/hook', devLoopback).ok).toBe(false);
  });

  it('refuses http and loopback in production even when allowLoopback is set', () => {
    const prodLoopback = { allowLoopback: true, production: true };
    expect(validateOutgoingUrl('http://127.0.0.1:8080/hook', prodLoopback)).toMatchObject({ ok: false });
    expect(validateOutgoingUrl('http://example.com/hook', prodLoopback)).toMatchObject({ ok: false, reason: expect.stringContaining('production') });
    expect(validateOutgoingUrl('https://127.0.0.1/hook', prodLoopback).ok).toBe(false);
    expect(validateOutgoingUrl('https://localhost/hook', prodLoopback).ok).toBe(false);
    expect(validateOutgoingUrl('https://example.com/hook', prod).ok).toBe(true);
  });

  it('refuses credentials in the URL', () => {
    for (const url of ['https://user:secret@example.com/', 'https://user@example.com/', 'https://:secret@example.com/']) {
      expect(validateOutgoingUrl(url, dev)).toMatchObject({ ok: false, reason: expect.stringContaining('credentials') });
    }
  });

  it('refuses localhost and internal names; localhost alone is let through with allowLoopback', () => {
    for (const host of [
      'localhost',
      'LOCALHOST',
      'localhost.',
      'api.localhost',
      'metadata.google.internal',
      'metadata.google.internal.',
      'db.internal',
      'metadata',
      'printer.local',
    ]) {
      expect(validateOutgoingUrl(`https://${host}/hook`, dev).ok, host).toBe(false);
    }
    expect(validateOutgoingUrl('https://localhost/hook', devLoopback).ok).toBe(true);
    expect(validateOutgoingUrl('https://api.localhost/hook', devLoopback).ok).toBe(false);
    expect(validateOutgoingUrl('https://metadata.google.internal/hook', devLoopback).ok).toBe(false);
  });

  it('refuses a URL past 2048 characters', () => {
    expect(validateOutgoingUrl(`https://example.com/${'a'.repeat(2100)}`, dev)).toMatchObject({ ok: false });
  });

  it('safeRequest refuses an IP-literal target before connecting', async () => {
    await expect(safeRequest({ url: 'https://169.254.169.254/latest/meta-data/', ...dev })).rejects.toMatchObject({ code: 'ESSRF' });
    await expect(safeRequest({ url: 'https://[::ffff:10.0.0.1]/', ...dev })).rejects.toMatchObject({ code: 'ESSRF' });
  });
});

// A name that is not refused by its spelling but resolves (here via /etc/hosts) to a refused
// address: the machine's hostname usually is one. Only the connect-time lookup can catch it.
async function findRebindingName(): Promise<string | undefined> {
  let hostsNames: string[] = [];
  try {
    hostsNames = readFileSync('/etc/hosts', 'utf8')
      .split('\n')
      .flatMap((l) => l.replace(/#.*/, '').trim().split(/\s+/).slice(1));
  } catch {
    // no /etc/hosts: only the hostname is tried
  }
  for (const name of [os.hostname(), ...hostsNames]) {
    if (!name || !validateOutgoingUrl(`https://${name}/`, dev).ok) continue;
    try {
      const addresses = await dns.promises.lookup(name, { all: true });
      if (addresses.some((a) => isRefusedAddress(a.address, false) !== null)) return name;
    } catch {
      // does not resolve; try the next
    }
  }
  return undefined;
}
const rebindingName = await findRebindingName();

describe('connect-time lookup (DNS rebinding)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });

  async function countingServer(): Promise<{ port: number; hits: () => number }> {
    let hits = 0;
    const server = net.createServer((s) => {
      hits++;
      s.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { port: (server.address() as net.AddressInfo).port, hits: () => hits };
  }

  function lookup(fn: ReturnType<typeof guardedLookup>, host: string, options: dns.LookupOptions) {
    return new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number }>((resolve) =>
      fn(host, options, (err, address, family) => resolve({ err, address, family })),
    );
  }

  it('guardedLookup refuses a name resolving to loopback, in both result forms', async () => {
    for (const options of [{ all: true }, {}, { family: 4 }] as dns.LookupOptions[]) {
      const { err } = await lookup(guardedLookup(false), 'localhost', options);
      expect(err?.code, JSON.stringify(options)).toBe('ESSRF');
    }
  });

  it('guardedLookup returns what dns.lookup does when every address passes', async () => {
    const single = await lookup(guardedLookup(true), 'localhost', { family: 4 });
    expect(single).toMatchObject({ err: null, address: '127.0.0.1', family: 4 });
    const all = await lookup(guardedLookup(true), 'localhost', { all: true, family: 4 });
    expect(all.err).toBeNull();
    expect(all.address).toEqual([{ address: '127.0.0.1', family: 4 }]);
  });

  it('http.request with guardedLookup never connects to a refused address', async () => {
    const server = await countingServer();
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const req = http.request({ host: 'localhost', port: server.port, agent: false, lookup: guardedLookup(false) });
      req.on('error', resolve);
      req.end();
    });
    expect(err.code).toBe('ESSRF');
    expect(server.hits()).toBe(0);
  });

  it.runIf(rebindingName !== undefined)('safeRequest to a name resolving to a refused address fails with ESSRF and no hit', async () => {
    const server = await countingServer();
    const url = `https://${rebindingName}:${server.port}/hook`;
    expect(validateOutgoingUrl(url, dev).ok).toBe(true);
    await expect(safeRequest({ url, method: 'POST', body: '{}', ...dev })).rejects.toMatchObject({ code: 'ESSRF' });
    // allowLoopback is ignored in production
    await expect(safeRequest({ url, ...{ allowLoopback: true, production: true } })).rejects.toMatchObject({ code: 'ESSRF' });
    expect(server.hits()).toBe(0);
  });

  it('a redirect to an internal address is returned, not followed', async () => {
    const target = await countingServer();
    const server = http.createServer((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${target.port}/` }).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as net.AddressInfo;
    const res = await safeRequest({ url: `http://127.0.0.1:${port}/`, ...devLoopback });
    expect(res.status).toBe(302);
    expect(target.hits()).toBe(0);
  });
});
