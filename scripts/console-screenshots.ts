// npm run console:screenshots — seeds a throw-away database with demo data, serves a fresh build
// of the console, and saves a desktop and a phone-width screenshot of every page in
// docs/console/. Needs PostgreSQL, Redis and /usr/bin/chromium; talks to 127.0.0.1 only.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { createHttpServer } from '../src/http/server.ts';
import { createLogger } from '../src/infra/logger.ts';
import { bootstrapOrganization } from '../src/modules/bootstrap/bootstrap.service.ts';
import { workerModules } from '../workers/registry.ts';
import { startWorkers } from '../workers/runtime.ts';
import { chromiumAvailable, launchChromium, localContext } from '../test/e2e/browser.ts';
import { buildConsole } from '../test/e2e/console-build.ts';
import { apiClient, seedConsoleDemo } from '../test/e2e/console-demo.ts';

const OUT = 'docs/console';
const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const adminUrl = process.env.SCREENSHOTS_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `keyplane_screens_${runId}`;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function main() {
  if (!chromiumAvailable()) throw new Error('needs /usr/bin/chromium (apt-get install -y chromium)');
  mkdirSync(OUT, { recursive: true });
  console.log('building the console…');
  const dist = buildConsole(`shots-${runId}`);
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: adminUrl.replace(/\/[^/]*$/, `/${dbName}`),
    KEYPLANE_REDIS_PREFIX: `kpshots:${runId}`,
    KEYPLANE_LOG_LEVEL: 'warn',
    KEYPLANE_WEBHOOKS_ALLOW_LOOPBACK: 'true',
    KEYPLANE_CONSOLE_DIR: dist,
    KEYPLANE_OUTBOX_INTERVAL_MS: '100',
    KEYPLANE_WEBHOOK_RETRY_SCHEDULE: '1s,1s',
    KEYPLANE_DELIVERY_SWEEP_SECONDS: '1',
  });
  const log = createLogger(config.logLevel);
  const app = await createApp(config, { log, migrate: true });
  const http = createHttpServer(app);
  const base = await listen(http.server);
  const workers = await startWorkers(config, { log, modules: workerModules.filter((m) => ['outbox-relay', 'deliver-webhook'].includes(m.name)) });
  const receiver = createServer((req, res) => {
    req.resume();
    res.writeHead(req.url?.startsWith('/failing') ? 503 : 204).end();
  });
  const receiverUrl = await listen(receiver);
  const browser = await launchChromium();
  try {
    const owner = await bootstrapOrganization(app.orm, config.pepper, 'Acme Events');
    console.log('seeding demo data…');
    const demo = await seedConsoleDemo({ baseUrl: base, ownerToken: owner.token, organizationId: owner.organizationId, orm: app.orm, receiverUrl });
    const api = apiClient(base, owner.token);
    const link = async () =>
      (
        await api(`mutation($input: CreateConsoleSessionInput!) { createConsoleSession(input: $input) { ... on CreateConsoleSessionSuccess { url } } }`, {
          input: { userId: demo.adminUserId, returnPath: '/keys' },
        })
      ).createConsoleSession.url as string;
    // Let the relay deliver (and fail) a few webhooks first.
    await new Promise((r) => setTimeout(r, 4000));

    for (const device of [
      { name: 'desktop', viewport: { width: 1280, height: 860 }, fullPage: true },
      { name: 'phone', viewport: { width: 390, height: 844 }, fullPage: false },
    ]) {
      const shot = async (page: Page, name: string) => {
        await page.waitForLoadState('networkidle').catch(() => undefined);
        await page.screenshot({ path: join(OUT, `${name}-${device.name}.png`), fullPage: device.fullPage });
        console.log(`  ${name}-${device.name}.png`);
      };
      const context = await localContext(browser, {
        viewport: device.viewport,
        deviceScaleFactor: 1,
        isMobile: device.name === 'phone',
        hasTouch: device.name === 'phone',
      });
      const page = await context.newPage();
      const heading = (text: string) => page.getByRole('heading', { level: 1, name: text }).waitFor();

      await page.goto(`${base}/console/`);
      await heading('Keyplane console');
      await shot(page, 'sign-in');

      await page.goto(await link());
      await heading('Sign in to the Keyplane console');
      await shot(page, 'sign-in-link');
      await page.getByRole('button', { name: 'Continue' }).click();
      await heading('API keys');
      await page.getByRole('cell', { name: 'Billing sync (production)' }).waitFor();
      await shot(page, 'keys');
      if (device.name === 'phone') {
        await page.getByRole('button', { name: 'Menu' }).click();
        await shot(page, 'navigation');
        await page.getByRole('button', { name: 'Menu' }).click();
      }

      await page.getByRole('link', { name: 'Billing sync (production)' }).click();
      await heading('Billing sync (production)');
      await page.getByText('Rate limited:').first().waitFor();
      await shot(page, 'key');
      await page.getByRole('button', { name: 'Last 30 days' }).click();
      await page.getByText('Verifications per day, last 30 days', { exact: true }).waitFor();
      await shot(page, 'key-usage-30-days');
      await page.getByRole('button', { name: 'Edit settings' }).click();
      await page.getByRole('dialog').waitFor();
      await shot(page, 'key-edit');
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.getByRole('button', { name: 'Rotate secret' }).click();
      await page.getByRole('dialog').waitFor();
      await shot(page, 'key-rotate');
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.getByRole('button', { name: 'Revoke' }).click();
      await page.getByRole('dialog').waitFor();
      await shot(page, 'key-revoke');
      await page.getByRole('button', { name: 'Cancel' }).click();

      await page.goto(`${base}/console/keys/new`);
      await heading('Create an API key');
      await page.getByLabel('Name', { exact: true }).fill(`Partner portal (${device.name})`);
      await page.getByLabel('Only the permissions chosen below (least privilege)').check();
      await page.getByRole('checkbox', { name: 'attendees:read' }).check();
      await page.getByRole('checkbox', { name: 'sessions:read' }).check();
      await page.getByLabel('IP allowlist').fill('198.51.100.0/24');
      await shot(page, 'create-key');
      await page.getByRole('button', { name: 'Create key' }).click();
      await page.getByTestId('secret-reveal').waitFor();
      await shot(page, 'create-key-secret');
      await page.getByRole('button', { name: 'I have stored it safely' }).click();
      await heading('API keys');

      await page.goto(`${base}/console/events`);
      await heading('Live events');
      await page.getByText('Live: new events appear at the top').waitFor();
      await api(`mutation { createUser(input: { name: "Margaret Hamilton (${device.name})", email: "margaret.${device.name}@acme.example" }) { __typename } }`);
      await page.locator('[data-testid="live-events"] [data-event-type="user.created"]').first().waitFor();
      await shot(page, 'events');

      await page.goto(`${base}/console/webhooks`);
      await heading('Webhooks');
      await shot(page, 'webhooks');
      await page.goto(`${base}/console/webhooks/${demo.endpoints.failing}`);
      await heading('Webhook endpoint');
      await page.getByRole('table', { name: 'Deliveries' }).waitFor();
      await shot(page, 'webhook-deliveries');

      for (const [path, title, name] of [
        ['/users', 'Users', 'users'],
        ['/roles', 'Roles', 'roles'],
        ['/sub-accounts', 'Sub-accounts', 'sub-accounts'],
        ['/catalog', 'Permissions', 'permissions'],
        ['/audit', 'Audit log', 'audit-log'],
      ] as const) {
        await page.goto(`${base}/console${path}`);
        await heading(title);
        await page.locator('table tbody tr').first().waitFor();
        await shot(page, name);
      }
      await context.close();
    }
  } finally {
    await browser.close();
    await workers.close();
    await http.close();
    await app.close();
    receiver.close();
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists "${dbName}" with (force)`);
    await admin.end();
    const redis = new Redis(config.redisUrl);
    const keys = await redis.keys(`*kpshots:${runId}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
