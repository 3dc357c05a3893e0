import { afterEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { matchesEventType, runAction } from './connector-model.ts';
import { safeRequest } from '../../src/lib/ssrf.ts';
import {
  DEFAULT_RETRY_SCHEDULE_MS,
  buildHeaders,
  deliverAction,
  deliverWebhook,
  generateWebhookSecret,
  keyEventTrigger,
  nextAttemptDelayMs,
  signPayload,
  webhookConnector,
} from './index.ts';
import { startReceiver, webhookHeaders, type Receiver } from './receiver.test-helper.ts';

const local = { allowLoopback: true, production: false };
const body = JSON.stringify({ id: 'evt_1', type: 'api_key.created', occurredAt: '2026-01-01T00:00:00.000Z', organizationId: 'org_1', data: { keyId: 'k1' } });

const receivers: Receiver[] = [];
async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe('signing', () => {
  it('generates whsec_ secrets of 32 random bytes', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
  });

  it('signs exactly as the standardwebhooks library does', () => {
    const secret = generateWebhookSecret();
    const timestamp = 1_767_225_600;
    expect(signPayload({ secrets: [secret], msgId: 'msg_1', timestamp, body })).toBe(new Webhook(secret).sign('msg_1', new Date(timestamp * 1000), body));
  });

  it('builds the Standard Webhooks headers', () => {
    expect(buildHeaders({ msgId: 'msg_1', timestamp: 42, signature: 'v1,abc' })).toEqual({
      'webhook-id': 'msg_1',
      'webhook-timestamp': '42',
      'webhook-signature': 'v1,abc',
      'content-type': 'application/json',
      'user-agent': 'Keyplane-Webhooks/1',
    });
  });
});

describe('deliverWebhook', () => {
  it('delivers a body the official verifier accepts, and reports 2xx as ok', async () => {
    const r = await receiver((_req, res) => res.writeHead(204).end());
    const secret = generateWebhookSecret();
    const result = await deliverWebhook({ url: `${r.url}/hook`, secrets: [secret], msgId: 'msg_ok', body, ...local });

    expect(result).toMatchObject({ ok: true, status: 204, gone: false, bodyExcerpt: '' });
    expect(result.error).toBeUndefined();
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(r.hits).toHaveLength(1);
    const [hit] = r.hits;
    expect(hit.method).toBe('POST');
    expect(hit.path).toBe('/hook');
    expect(hit.body).toBe(body);
    expect(hit.headers['content-type']).toBe('application/json');
    expect(hit.headers['user-agent']).toBe('Keyplane-Webhooks/1');
    expect(new Webhook(secret).verify(hit.body, webhookHeaders(hit))).toEqual(JSON.parse(body));
  });

  it('signs with every secret during a rotation overlap; each secret verifies alone', async () => {
    const r = await receiver();
    const oldSecret = generateWebhookSecret();
    const newSecret = generateWebhookSecret();
    const result = await deliverWebhook({ url: r.url, secrets: [oldSecret, newSecret], msgId: 'msg_rot', body, ...local });

    expect(result.ok).toBe(true);
    const [hit] = r.hits;
    expect(String(hit.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(String(hit.headers['webhook-signature'])).toMatch(/^v1,[A-Za-z0-9+/=]+ v1,[A-Za-z0-9+/=]+$/);
    expect(() => new Webhook(oldSecret).verify(hit.body, webhookHeaders(hit))).not.toThrow();
    expect(() => new Webhook(newSecret).verify(hit.body, webhookHeaders(hit))).not.toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(hit.body, webhookHeaders(hit))).toThrow();
  });

  it('signs each attempt with a fresh timestamp and the same message id', async () => {
    const r = await receiver();
    const secret = generateWebhookSecret();
    const t0 = Date.now() - 90_000;
    const t1 = Date.now();
    await deliverWebhook({ url: r.url, secrets: [secret], msgId: 'msg_retry', body, ...local, now: () => t0 });
    await deliverWebhook({ url: r.url, secrets: [secret], msgId: 'msg_retry', body, ...local, now: () => t1 });

    expect(r.hits.map((h) => h.headers['webhook-timestamp'])).toEqual([String(Math.floor(t0 / 1000)), String(Math.floor(t1 / 1000))]);
    expect(r.hits.map((h) => h.headers['webhook-id'])).toEqual(['msg_retry', 'msg_retry']);
    expect(r.hits[0].headers['webhook-signature']).not.toBe(r.hits[1].headers['webhook-signature']);
    for (const hit of r.hits) expect(() => new Webhook(secret).verify(hit.body, webhookHeaders(hit))).not.toThrow();
  });

  it('returns a redirect as its status and never follows it', async () => {
    const target = await receiver();
    for (const status of [301, 302, 307, 308]) {
      const r = await receiver((_req, res) => res.writeHead(status, { location: `${target.url}/elsewhere` }).end());
      const result = await deliverWebhook({ url: r.url, secrets: [generateWebhookSecret()], msgId: `msg_${status}`, body, ...local });
      expect(result).toMatchObject({ ok: false, status, gone: false });
      expect(result.error).toBeUndefined();
    }
    expect(target.hits).toHaveLength(0);
  });

  it('parses Retry-After on 429 in seconds and as an HTTP date', async () => {
    const seconds = await receiver((_req, res) => res.writeHead(429, { 'retry-after': '120' }).end('slow down'));
    const bySeconds = await deliverWebhook({ url: seconds.url, secrets: [generateWebhookSecret()], msgId: 'msg_429', body, ...local });
    expect(bySeconds).toMatchObject({ ok: false, status: 429, retryAfterSeconds: 120, bodyExcerpt: 'slow down', gone: false });

    const when = new Date(Date.now() + 90_000).toUTCString();
    const byDate = await receiver((_req, res) => res.writeHead(429, { 'retry-after': when }).end());
    const result = await deliverWebhook({ url: byDate.url, secrets: [generateWebhookSecret()], msgId: 'msg_429d', body, ...local });
    expect(result.status).toBe(429);
    expect(result.retryAfterSeconds).toBeGreaterThanOrEqual(85);
    expect(result.retryAfterSeconds).toBeLessThanOrEqual(91);
  });

  it('reports 410 as gone', async () => {
    const r = await receiver((_req, res) => res.writeHead(410).end('endpoint removed'));
    const result = await deliverWebhook({ url: r.url, secrets: [generateWebhookSecret()], msgId: 'msg_410', body, ...local });
    expect(result).toMatchObject({ ok: false, status: 410, gone: true, bodyExcerpt: 'endpoint removed' });
  });

  it('stops reading an oversized response and closes the connection', async () => {
    let written = 0;
    let closed!: () => void;
    const serverSawClose = new Promise<void>((resolve) => (closed = resolve));
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const r = await receiver((_req, res) => {
      res.on('close', () => closed());
      res.writeHead(200, { 'content-type': 'text/plain' });
      // An endless body: the test only finishes if the client hangs up.
      const pump = () => {
        while (!res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      pump();
    });
    const result = await deliverWebhook({
      url: r.url,
      secrets: [generateWebhookSecret()],
      msgId: 'msg_big',
      body,
      ...local,
      maxResponseBytes: 256 * 1024,
    });
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.bodyExcerpt).toBe('a'.repeat(1024));
    await serverSawClose;
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it('keeps the excerpt to 1 KiB of whole characters', async () => {
    const r = await receiver((_req, res) => res.writeHead(500).end(`a${'é'.repeat(2000)}`));
    const result = await deliverWebhook({ url: r.url, secrets: [generateWebhookSecret()], msgId: 'msg_500', body, ...local });
    expect(result).toMatchObject({ ok: false, status: 500 });
    // 1 + 2 × 511 bytes, then an 'é' split by the 1 KiB boundary is left out rather than mangled.
    expect(result.bodyExcerpt).toBe(`a${'é'.repeat(511)}`);
  });

  it('gives up after the timeout and reports ETIMEDOUT instead of throwing', async () => {
    const r = await receiver(() => {
      /* never answers */
    });
    const result = await deliverWebhook({ url: r.url, secrets: [generateWebhookSecret()], msgId: 'msg_slow', body, ...local, timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, status: 0, gone: false });
    expect(result.error?.code).toBe('ETIMEDOUT');
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.durationMs).toBeLessThan(5_000);
  });
});

describe('safeRequest', () => {
  it('reaches a localhost receiver when loopback is allowed outside production', async () => {
    const r = await receiver((_req, res) => res.writeHead(200, { 'x-test': 'yes' }).end('hello'));
    const res = await safeRequest({ url: `http://localhost:${r.port}/ping`, ...local });
    expect(res).toMatchObject({ status: 200, bodyExcerpt: 'hello' });
    expect(res.headers['x-test']).toBe('yes');
    expect(r.hits[0]).toMatchObject({ method: 'GET', path: '/ping' });
  });
});

describe('nextAttemptDelayMs', () => {
  it('follows the schedule and gives up after it', () => {
    expect(DEFAULT_RETRY_SCHEDULE_MS).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    const delays = DEFAULT_RETRY_SCHEDULE_MS.map((_, i) => nextAttemptDelayMs(i + 1, undefined, 0));
    expect(delays).toEqual([...DEFAULT_RETRY_SCHEDULE_MS]);
    expect(nextAttemptDelayMs(8)).toBeNull();
    expect(nextAttemptDelayMs(2, [1_000, 2_000], 0)).toBe(2_000);
    expect(nextAttemptDelayMs(3, [1_000, 2_000], 0)).toBeNull();
  });

  it('spreads each step by the jitter', () => {
    for (let i = 0; i < 500; i++) {
      const d = nextAttemptDelayMs(2) as number;
      expect(d).toBeGreaterThanOrEqual(240_000);
      expect(d).toBeLessThanOrEqual(360_000);
    }
  });

  it('honours Retry-After when longer than the step, capped at 24 h', () => {
    expect(nextAttemptDelayMs(1, undefined, 0, 120)).toBe(120_000);
    expect(nextAttemptDelayMs(4, undefined, 0, 60)).toBe(7_200_000);
    expect(nextAttemptDelayMs(1, undefined, 0, 3 * 86_400)).toBe(86_400_000);
    expect(nextAttemptDelayMs(8, undefined, 0, 60)).toBeNull();
  });
});

describe('webhook connector', () => {
  it('declares its trigger and action', () => {
    expect(webhookConnector.name).toBe('webhook');
    expect(webhookConnector.triggers.map((t) => t.name)).toEqual(['key_event']);
    expect(webhookConnector.actions.map((a) => a.name)).toEqual(['deliver']);
    expect(keyEventTrigger.type).toBe('webhook');
    expect(matchesEventType(keyEventTrigger.eventTypes, 'api_key.rotated')).toBe(true);
    expect(matchesEventType(keyEventTrigger.eventTypes, 'user.disabled')).toBe(true);
    expect(matchesEventType(keyEventTrigger.eventTypes, 'billing.paid')).toBe(false);
  });

  it('shapes an event into the body and delivers it through the action', async () => {
    const event = { id: 'evt_1', type: 'api_key.created', occurredAt: '2026-01-01T00:00:00.000Z', organizationId: 'org_1', data: { keyId: 'k1' } };
    const shaped = await keyEventTrigger.run({ auth: undefined, event });
    expect(shaped).toBe(body);

    const r = await receiver();
    const secret = generateWebhookSecret();
    const result = await runAction(deliverAction, {
      auth: undefined,
      props: { url: r.url, secrets: [secret], msgId: 'msg_action', body: shaped },
      network: local,
    });
    expect(result.ok).toBe(true);
    expect(() => new Webhook(secret).verify(r.hits[0].body, webhookHeaders(r.hits[0]))).not.toThrow();
  });
});
