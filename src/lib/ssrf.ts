import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net, { type LookupFunction } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import ipaddr from 'ipaddr.js';

/**
 * Guard for URLs that Keyplane calls on a customer's behalf (webhook endpoints). Two layers:
 * `validateOutgoingUrl` refuses bad shapes and IP-literal hosts up front, and `guardedLookup`
 * checks every address a hostname resolves to at connect time, so the socket connects to the
 * very address that was checked and a DNS answer that changes between the two (rebinding)
 * cannot slip through.
 */

export const MAX_URL_LENGTH = 2048;
export const DEFAULT_TIMEOUT_MS = 15_000;
export const MAX_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
export const EXCERPT_BYTES = 1024;

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

export interface OutgoingUrlOptions {
  allowLoopback: boolean;
  production: boolean;
  /** Private ranges the operator opened to webhooks; default none. */
  allowPrivate?: PrivateNetworks;
}

// Cloud instance-metadata services: AWS/GCP/Azure, AWS over IPv6, Alibaba, Oracle.
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '192.0.0.192'].map((a) => ipaddr.parse(a).toNormalizedString()));

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number];

function v4FromParts(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

function classifyV4(addr: ipaddr.IPv4): string {
  if (METADATA_ADDRESSES.has(addr.toNormalizedString())) return 'metadata';
  return addr.range();
}

/** The class of an IPv6 address; forms that carry an IPv4 address are judged by that address. */
function classifyV6(addr: ipaddr.IPv6): string {
  if (METADATA_ADDRESSES.has(addr.toNormalizedString())) return 'metadata';
  const p = addr.parts;
  const range: string = addr.range();
  switch (range) {
    case 'unspecified':
    case 'loopback':
      return range;
    case 'ipv4Mapped': // ::ffff:a.b.c.d
    case 'rfc6145': // ::ffff:0:a.b.c.d
      return classifyV4(v4FromParts(p[6], p[7]));
    case 'rfc6052':
      // 64:ff9b::/96 is the well-known NAT64 prefix; the local-use 64:ff9b:1::/48 is never global.
      return p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0 ? classifyV4(v4FromParts(p[6], p[7])) : 'reserved';
    case '6to4': // 2002:AABB:CCDD::/48 carries AA.BB.CC.DD
      return classifyV4(v4FromParts(p[1], p[2]));
    case 'unicast':
      // Deprecated IPv4-compatible form ::a.b.c.d (:: and ::1 were caught above).
      if (p.slice(0, 6).every((x) => x === 0)) return classifyV4(v4FromParts(p[6], p[7]));
      // Outside 2000::/3 nothing is allocated for global unicast.
      return addr.match(GLOBAL_UNICAST_V6) ? 'unicast' : 'reserved';
    default:
      // Teredo, discard, site-local, documentation, ORCHID, … — tunnels and non-global space.
      return range;
  }
}

/** Private space an operator may open to webhooks: RFC 1918, shared (CGNAT) and IPv6 unique-local. */
const OPENABLE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'].map((c) => ipaddr.parseCIDR(c));
const OPENABLE_CLASSES = new Set(['private', 'carrierGradeNat', 'uniqueLocal']);

/**
 * Private networks an operator lets webhooks reach (a self-hosted n8n on 192.168.x, a service on
 * 10.x). Only inside private space: loopback, link-local, metadata and every other reserved
 * address stay refused whatever is listed, and a range reaching beyond private space is refused
 * when the list is parsed.
 */
export class PrivateNetworks {
  readonly cidrs: readonly string[];
  private readonly ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][];

  private constructor(cidrs: string[], ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][]) {
    this.cidrs = cidrs;
    this.ranges = ranges;
  }

  static readonly none = new PrivateNetworks([], []);

  /** Parses a comma-separated list; throws an Error naming the first bad entry. */
  static parse(list: string): PrivateNetworks {
    const entries = list
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    if (entries.length > 64) throw new Error('at most 64 ranges');
    const ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
    for (const entry of entries) {
      let range: [ipaddr.IPv4 | ipaddr.IPv6, number];
      try {
        range = ipaddr.parseCIDR(entry);
      } catch {
        throw new Error(`${entry} is not a CIDR range (e.g. 192.168.10.0/24)`);
      }
      const [addr, bits] = range;
      const inside = OPENABLE.some(([base, baseBits]) => base.kind() === addr.kind() && bits >= baseBits && addr.match(base, baseBits));
      if (!inside) throw new Error(`${entry} is not inside private space (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7)`);
      ranges.push(range);
    }
    return new PrivateNetworks(entries, ranges);
  }

  /** Whether a private address (as classified: private, CGNAT or unique-local) is opened. */
  opens(addr: ipaddr.IPv4 | ipaddr.IPv6, cls: string): boolean {
    if (!OPENABLE_CLASSES.has(cls) || this.ranges.length === 0) return false;
    // ::ffff:10.1.2.3 is judged as 10.1.2.3; other embedded forms stay refused.
    const a = addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? (addr as ipaddr.IPv6).toIPv4Address() : addr;
    return this.ranges.some(([base, bits]) => base.kind() === a.kind() && a.match(base, bits));
  }
}

/**
 * Why an address may not be called, or null when it may. Only global unicast passes; loopback
 * passes too when `allowLoopback` (development receivers on 127.0.0.1), and private addresses in
 * ranges the operator opened (`allowPrivate`).
 */
export function isRefusedAddress(ip: string, allowLoopback: boolean, allowPrivate: PrivateNetworks = PrivateNetworks.none): string | null {
  if (!ipaddr.isValid(ip)) return 'invalid';
  const addr = ipaddr.parse(ip);
  const cls = addr.kind() === 'ipv4' ? classifyV4(addr as ipaddr.IPv4) : classifyV6(addr as ipaddr.IPv6);
  if (cls === 'unicast') return null;
  if (cls === 'loopback' && allowLoopback) return null;
  if (allowPrivate.opens(addr, cls)) return null;
  return cls;
}

function isForbiddenHostname(host: string): boolean {
  return (
    host === 'localhost' ||
    host === 'metadata' || // resolves to the metadata server on GCE through the search domain
    host.endsWith('.localhost') ||
    host === 'internal' ||
    host.endsWith('.internal') || // includes metadata.google.internal
    host.endsWith('.local') || // mDNS, the local network
    host.endsWith('.home.arpa')
  );
}

/**
 * Syntactic check of a URL Keyplane is asked to call. In production plain http and loopback are
 * never allowed, whatever `allowLoopback` says.
 */
export function validateOutgoingUrl(url: string, opts: OutgoingUrlOptions): UrlCheck {
  const allowLoopback = opts.allowLoopback && !opts.production;
  if (typeof url !== 'string' || url.length === 0) return { ok: false, reason: 'URL is empty' };
  if (url.length > MAX_URL_LENGTH) return { ok: false, reason: `URL is longer than ${MAX_URL_LENGTH} characters` };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: 'not a valid absolute URL' };
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return { ok: false, reason: `protocol ${parsed.protocol} is not allowed; use https` };
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return { ok: false, reason: 'credentials in the URL are not allowed' };
  }
  // WHATWG parsing has already turned 0x7f.1, 2130706433 and the like into dotted quads.
  const rawHost = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  const host = rawHost.replace(/\.$/, '');
  if (host === '') return { ok: false, reason: 'URL has no host' };

  let loopbackHost: boolean;
  if (net.isIP(host) !== 0) {
    const refused = isRefusedAddress(host, allowLoopback, opts.allowPrivate);
    if (refused !== null) return { ok: false, reason: `address ${host} is refused (${refused})` };
    loopbackHost = isRefusedAddress(host, false) === 'loopback';
  } else {
    loopbackHost = host === 'localhost';
    if (isForbiddenHostname(host) && !(allowLoopback && loopbackHost)) {
      return { ok: false, reason: `host ${host} is not allowed` };
    }
  }

  if (parsed.protocol === 'http:') {
    if (opts.production) return { ok: false, reason: 'http is not allowed in production; use https' };
    if (!(allowLoopback && loopbackHost)) return { ok: false, reason: 'http is only allowed to loopback receivers in development; use https' };
  }
  if (parsed.port !== '') {
    const port = Number(parsed.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, reason: `port ${parsed.port} is out of range` };
  }
  return { ok: true, url: parsed };
}

function codedError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/**
 * A `lookup` for http(s).request / net.connect that resolves with dns.lookup and fails with
 * code ESSRF when any resolved address is refused. The socket then connects to the addresses
 * returned here, so the checked address is the one used.
 */
/** How a host name becomes addresses: `dns.lookup` with `all: true` (tests and custom resolvers pass their own). */
export type Resolver = (
  hostname: string,
  options: dns.LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
) => void;
const systemResolver: Resolver = (hostname, options, callback) => dns.lookup(hostname, options, callback);

export function guardedLookup(
  allowLoopback: boolean,
  resolver: Resolver = systemResolver,
  allowPrivate: PrivateNetworks = PrivateNetworks.none,
): LookupFunction {
  return (hostname, options, callback) => {
    // Accept dns.lookup's other call shapes too: (host, family, cb) and (host, cb).
    if (typeof options === 'function') {
      callback = options;
      options = {};
    }
    const opts: dns.LookupOptions = typeof options === 'number' ? { family: options } : (options ?? {});
    resolver(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return callback(err, opts.all ? [] : '');
      if (addresses.length === 0) return callback(codedError('ENOTFOUND', `${hostname} did not resolve`), opts.all ? [] : '');
      for (const { address } of addresses) {
        const refused = isRefusedAddress(address, allowLoopback, allowPrivate);
        if (refused !== null) {
          return callback(codedError('ESSRF', `${hostname} resolves to a refused address (${refused})`), opts.all ? [] : '');
        }
      }
      if (opts.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** Seconds from a Retry-After value (delta-seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/**
 * Keep-alive pools, one per transport and loopback rule. Node's Agent keys its sockets by host
 * name and port (and TLS identity), so a pooled connection is only ever reused for the same
 * destination, and every new connection goes through `guardedLookup`: the address is checked and
 * pinned when the connection is made and never re-resolved while it lives. A connection idles
 * at most `FREE_SOCKET_MS` (below common server keep-alive timeouts; Node also honours a
 * receiver's `Keep-Alive: timeout=`), and one destination gets at most `SOCKETS_PER_HOST` at once.
 */
const FREE_SOCKET_MS = 4_000;
const SOCKETS_PER_HOST = 32;
const pools = new Map<Resolver, Map<string, http.Agent>>();

function pool(protocol: string, allowLoopback: boolean, resolver: Resolver, allowPrivate: PrivateNetworks): http.Agent {
  const name = `${protocol}${allowLoopback}${allowPrivate.cidrs.join(',')}`;
  let byName = pools.get(resolver);
  if (!byName) {
    byName = new Map();
    pools.set(resolver, byName);
  }
  let agent = byName.get(name);
  if (!agent) {
    const options = {
      keepAlive: true,
      timeout: FREE_SOCKET_MS,
      maxSockets: SOCKETS_PER_HOST,
      maxFreeSockets: SOCKETS_PER_HOST,
      maxTotalSockets: 1024,
      scheduling: 'lifo' as const,
      lookup: guardedLookup(allowLoopback, resolver, allowPrivate),
    };
    agent = protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
    byName.set(name, agent);
  }
  return agent;
}

/** Closes every pooled connection (tests, shutdown). */
export function closeRequestPools(): void {
  for (const byName of pools.values()) for (const agent of byName.values()) agent.destroy();
  pools.clear();
}

export interface SafeRequestOptions {
  url: string;
  /**
   * Reuse connections to this destination (webhook deliveries). Default false: a fresh
   * connection, closed after the response.
   */
  keepAlive?: boolean;
  /** Default: the system's (`dns.lookup`). */
  resolver?: Resolver;
  /** Private ranges the operator opened to webhooks; default none. */
  allowPrivate?: PrivateNetworks;
  /** Defaults to POST with a body, GET without. */
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Whole request, connect to last byte; default 15 s, at most 30 s. */
  timeoutMs?: number;
  /** Reading stops and the socket is closed past this many bytes; default 64 KiB. */
  maxResponseBytes?: number;
  allowLoopback: boolean;
  production: boolean;
}

export interface SafeResponse {
  status: number;
  headers: Record<string, string>;
  /** At most the first 1 KiB of the body, as UTF-8 text. */
  bodyExcerpt: string;
  durationMs: number;
  retryAfterSeconds?: number;
}

/**
 * One HTTP request through the SSRF guard. Redirects are returned, never followed (a 3xx to an
 * internal address must not be a way in). Rejects with an Error whose `code` says what failed:
 * ESSRF (refused URL or address), ETIMEDOUT, or the socket's own (ECONNREFUSED, ECONNRESET, …).
 */
export async function safeRequest(opts: SafeRequestOptions): Promise<SafeResponse> {
  try {
    return await requestOnce(opts);
  } catch (err) {
    // A pooled connection the receiver closed while we picked it: nothing reached the
    // application, so send once more on a new connection.
    if (opts.keepAlive && (err as { reusedSocket?: boolean }).reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET') return requestOnce(opts);
    throw err;
  }
}

function requestOnce(opts: SafeRequestOptions): Promise<SafeResponse> {
  const allowLoopback = opts.allowLoopback && !opts.production;
  const allowPrivate = opts.allowPrivate ?? PrivateNetworks.none;
  const checked = validateOutgoingUrl(opts.url, { allowLoopback, production: opts.production, allowPrivate });
  if (!checked.ok) return Promise.reject(codedError('ESSRF', checked.reason));
  const url = checked.url;
  const timeoutMs = Math.min(Math.max(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, 1), MAX_TIMEOUT_MS);
  const maxBytes = Math.max(opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, 0);
  const body = typeof opts.body === 'string' ? Buffer.from(opts.body, 'utf8') : opts.body;
  const headers: Record<string, string> = { ...opts.headers };
  if (body !== undefined) headers['content-length'] = String(body.byteLength);
  const transport = url.protocol === 'https:' ? https : http;
  const started = performance.now();

  return new Promise<SafeResponse>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };

    const req = transport.request(
      url,
      {
        method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
        headers,
        // Our own agents only: no environment proxy, no socket pooled by anyone else.
        agent: opts.keepAlive ? pool(url.protocol, allowLoopback, opts.resolver ?? systemResolver, allowPrivate) : false,
        lookup: guardedLookup(allowLoopback, opts.resolver, allowPrivate),
      },
      (res) => {
        const decoder = new StringDecoder('utf8');
        let excerpt = '';
        let excerptBytes = 0;
        let received = 0;
        const done = () =>
          settle(() => {
            const out: Record<string, string> = {};
            for (const [name, value] of Object.entries(res.headers)) {
              if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
            }
            const retryAfterSeconds = parseRetryAfter(out['retry-after']);
            resolve({
              status: res.statusCode ?? 0,
              headers: out,
              bodyExcerpt: excerpt,
              durationMs: Math.round(performance.now() - started),
              ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
            });
          });
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (excerptBytes < EXCERPT_BYTES) {
            const part = chunk.subarray(0, EXCERPT_BYTES - excerptBytes);
            excerptBytes += part.length;
            // The decoder holds back a character cut in half at the 1 KiB boundary.
            excerpt += decoder.write(part);
          }
          if (received > maxBytes) {
            done();
            req.destroy();
          }
        });
        res.on('end', done);
        res.on('error', (err) => settle(() => reject(withCode(err))));
        res.on('close', () => {
          if (!res.complete) settle(() => reject(codedError('ECONNRESET', 'connection closed before the response ended')));
        });
      },
    );
    req.on('error', (err) =>
      settle(() => {
        const e = withCode(err);
        // Whether the failure came on a pooled connection before any response (see safeRequest).
        if (req.reusedSocket) Object.assign(e, { reusedSocket: true });
        reject(e);
      }),
    );
    const timer = setTimeout(() => {
      const err = codedError('ETIMEDOUT', `no complete response within ${timeoutMs} ms`);
      settle(() => reject(err));
      req.destroy(err);
    }, timeoutMs);
    req.end(body);
  });
}

function withCode(err: unknown): NodeJS.ErrnoException {
  const e = (err instanceof Error ? err : new Error(String(err))) as NodeJS.ErrnoException;
  if (typeof e.code === 'string') return e;
  // Happy-eyeballs connects report an AggregateError; its first error carries the code.
  const first = e instanceof AggregateError ? (e.errors[0] as NodeJS.ErrnoException | undefined) : undefined;
  e.code = typeof first?.code === 'string' ? first.code : 'EREQUEST';
  return e;
}
