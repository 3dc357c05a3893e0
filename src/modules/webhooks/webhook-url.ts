import dns from 'node:dns/promises';
import net from 'node:net';
import type { Config } from '../../config/config.ts';
import { ValidationError } from '../../lib/errors.ts';
import { isRefusedAddress, validateOutgoingUrl } from '../../lib/ssrf.ts';

const DNS_TIMEOUT_MS = 3000;

/**
 * The creation-time half of the SSRF guard: the URL's shape, and every address its host resolves
 * to now. Delivery checks again at connect time (safeRequest pins the checked address), so a
 * DNS answer that changes later is still refused.
 */
export async function assertEndpointUrl(
  config: Pick<Config, 'webhooksAllowLoopback' | 'production'> & Partial<Pick<Config, 'webhooksAllowPrivate'>>,
  url: string,
  field = 'input.url',
): Promise<string> {
  const allowLoopback = config.webhooksAllowLoopback && !config.production;
  const checked = validateOutgoingUrl(url, { allowLoopback, production: config.production, allowPrivate: config.webhooksAllowPrivate });
  if (!checked.ok) throw ValidationError.field(field, checked.reason);
  const host = checked.url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (net.isIP(host) === 0) {
    let addresses: { address: string }[];
    try {
      addresses = await withTimeout(dns.lookup(host, { all: true, verbatim: true }), DNS_TIMEOUT_MS);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A name that does not exist is a typo worth reporting; a slow resolver is not the URL's fault.
      if (code === 'ENOTFOUND' || code === 'ENODATA') throw ValidationError.field(field, `host ${host} does not resolve`);
      addresses = [];
    }
    for (const { address } of addresses) {
      const refused = isRefusedAddress(address, allowLoopback, config.webhooksAllowPrivate);
      if (refused !== null) throw ValidationError.field(field, `host ${host} resolves to a refused address (${refused})`);
    }
  }
  return checked.url.toString();
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(Object.assign(new Error('dns timeout'), { code: 'ETIMEOUT' })), ms))),
  ]).finally(() => clearTimeout(timer));
}
