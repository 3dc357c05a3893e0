import ipaddr from 'ipaddr.js';

/**
 * IP addresses and CIDR blocks, parsed in one place (ipaddr.js): key allowlists as stored and as
 * checked at verification. The SSRF guard (ssrf.ts) classifies addresses with the same library.
 */

/** An address and its prefix length. */
export type ParsedCidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Normalises one allowlist entry (an IPv4 or IPv6 address or CIDR block) with ipaddr.js:
 * canonical text, network address for blocks, IPv4-mapped IPv6 as IPv4. Null when invalid.
 * Only dotted-quad IPv4 is accepted: `127.1` or `0x7f.1` are not what a human means.
 */
export function normaliseIpEntry(raw: string): string | null {
  const value = raw.trim();
  if (value.length === 0 || value.length > 64 || value.includes('%')) return null;
  const slash = value.indexOf('/');
  const host = slash < 0 ? value : value.slice(0, slash);
  const prefix = slash < 0 ? null : value.slice(slash + 1);
  if (prefix !== null && !/^\d{1,3}$/.test(prefix)) return null;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) addr = ipaddr.IPv4.parse(host);
  else if (host.includes(':') && ipaddr.IPv6.isValid(host)) addr = ipaddr.IPv6.parse(host);
  else return null;
  let bits = prefix === null ? (addr.kind() === 'ipv4' ? 32 : 128) : Number(prefix);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    // The verifier unwraps ::ffff:a.b.c.d clients to IPv4, so the allowlist must hold IPv4 too.
    addr = (addr as ipaddr.IPv6).toIPv4Address();
    bits -= 96;
  }
  const max = addr.kind() === 'ipv4' ? 32 : 128;
  if (bits > max) return null;
  const network =
    addr.kind() === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(`${addr.toString()}/${bits}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${addr.toString()}/${bits}`);
  return bits === max ? network.toString() : `${network.toString()}/${bits}`;
}

export function parseCidr(value: string): ParsedCidr {
  return value.includes('/')
    ? ipaddr.parseCIDR(value)
    : (() => {
        const a = ipaddr.parse(value);
        return [a, a.kind() === 'ipv4' ? 32 : 128] as ParsedCidr;
      })();
}

/** Normalises an address, unwrapping IPv4-mapped IPv6 (`::ffff:1.2.3.4`). Null when unparseable. */
export function parseIp(ip: string | null | undefined): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (!ip || ip.length > 64) return null;
  try {
    return ipaddr.process(ip);
  } catch {
    return null;
  }
}

/** Whether `addr` lies in one of `cidrs` (same family only). */
export function inAnyCidr(addr: ipaddr.IPv4 | ipaddr.IPv6, cidrs: readonly ParsedCidr[]): boolean {
  for (const [net, bits] of cidrs) {
    if (net.kind() === addr.kind() && addr.match(net, bits)) return true;
  }
  return false;
}
