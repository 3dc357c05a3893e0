import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { gql, seedOrg, startTestServer, success, type TestServer } from '../harness.ts';
import { AssignRoles, CreateUser, DefineResource, Roles } from '../ops.ts';
import { CreateConsoleSession } from '../console/ops.ts';
import { dropRedisNamespace, startEventWorkers, webhookEnv } from '../webhooks/helpers.ts';
import { chromiumAvailable, launchChromium, localContext } from './browser.ts';
import { buildConsole } from './console-build.ts';
import { testRedisPrefix } from '../context.ts';

/**
 * The console in headless Chromium against a real server: sign in with a console link, create a
 * key and read its secret once, see it in the list, revoke it, and watch the events arrive live.
 * Needs Debian's chromium: skipped (saying so) only outside CI when it is missing.
 */
const ci = process.env.CI === 'true';
const missing = !chromiumAvailable();
if (missing && !ci) console.warn('console e2e skipped: /usr/bin/chromium is missing (apt-get install -y chromium); in CI this fails instead');

describe.skipIf(missing && !ci)('console end to end (headless Chromium)', () => {
  let server: TestServer;
  let workers: Awaited<ReturnType<typeof startEventWorkers>>;
  let browser: Browser;
  let org: Awaited<ReturnType<typeof seedOrg>>;
  let adminId: string;

  beforeAll(async () => {
    if (missing) throw new Error('/usr/bin/chromium is missing: .ci/run installs it (apt-get install -y chromium)');
    const dist = buildConsole(testRedisPrefix());
    server = await startTestServer({ config: webhookEnv('console-e2e', { KEYPLANE_CONSOLE_DIR: dist }) });
    workers = await startEventWorkers(server.config);
    browser = await launchChromium();
    org = await seedOrg(server, 'Acme E2E');
    // A person holding the owner role: the host application signs them in with a console link.
    const user = success(
      (await gql(server, org.token, CreateUser, { input: { name: 'Ada Admin', email: 'ada@e2e.example' } })).data?.createUser,
      'CreateUserSuccess',
    ).user;
    const owner = (await gql(server, org.token, Roles, {})).data!.roles.edges.find((e) => e.node.name === 'owner')!.node;
    success((await gql(server, org.token, AssignRoles, { input: { userId: user.id, roles: [{ roleId: owner.id }] } })).data?.assignRoles, 'AssignRolesSuccess');
    adminId = user.id;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await workers?.close();
    await server?.close();
    if (server) await dropRedisNamespace(server.config);
  });

  async function consoleLink(returnPath = '/keys'): Promise<string> {
    const res = await gql(server, org.token, CreateConsoleSession, { input: { userId: adminId, returnPath } });
    return success(res.data?.createConsoleSession, 'CreateConsoleSessionSuccess').url;
  }

  /** Opens a console link and confirms on its page, as a person does. */
  async function followLink(page: Page, link: string): Promise<void> {
    await page.goto(link);
    await page.getByRole('heading', { level: 1, name: 'Sign in to the Keyplane console' }).waitFor();
    await page.getByText('Ada Admin').first().waitFor();
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  async function viewerStatus(token: string): Promise<number> {
    return (await gql(server, token, '{ viewer { user { id } } }')).status;
  }

  it('signs in with a console link, creates a key (secret once), lists it, revokes it, and sees the events live', async () => {
    const context = await localContext(browser);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));

    // 1. Sign in with the one-time link: it lands on the key list, signed in as Ada.
    await followLink(page, await consoleLink('/keys'));
    await expect.poll(() => new URL(page.url()).pathname).toBe('/console/keys');
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    await page.getByText('Ada Admin', { exact: false }).first().waitFor();
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'kp_console')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Strict');
    expect(await page.evaluate(() => document.cookie)).not.toContain('kp_console');

    // 2. Live events in a second tab of the same session.
    const events = await context.newPage();
    await events.goto(`${server.url}/console/events`);
    await events.getByText('Live: new events appear at the top').waitFor();
    await events.waitForTimeout(300);
    // Back to the first tab: a background tab gets no animation frames, which actions wait for.
    await page.bringToFront();

    // 3. Create a key: the secret is shown once, with a copy button and a warning.
    await page.getByRole('link', { name: 'Create key' }).click();
    await page.getByRole('heading', { level: 1, name: 'Create an API key' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('E2E partner key');
    await page.getByLabel('Only the permissions chosen below (least privilege)').check();
    await page.getByRole('checkbox', { name: 'keys:read' }).check();
    await page.getByRole('checkbox', { name: 'events:read' }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const reveal = page.getByTestId('secret-reveal');
    await reveal.waitFor();
    await expect.poll(() => reveal.textContent()).toContain('This is the only time it is shown');
    await page.getByRole('button', { name: 'Copy token' }).waitFor();
    const token = (await reveal.locator('output').first().textContent())!.trim();
    expect(token).toMatch(/^kp_sk_[0-9A-Za-z]{16}_[0-9A-Za-z]{50}$/);
    expect(await viewerStatus(token)).toBe(200);
    await page.getByRole('button', { name: 'I have stored it safely' }).click();

    // 4. In the list; the secret is nowhere on the page any more, nor in storage.
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    const row = page.getByRole('row', { name: /E2E partner key/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('Active');
    expect(await page.content()).not.toContain(token.slice(-50));
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))).toBe('{}{}');

    // 5. Edit its settings: an IP allowlist that excludes this machine takes effect at once.
    await row.getByRole('link', { name: 'E2E partner key' }).click();
    await page.getByRole('heading', { level: 1, name: 'E2E partner key' }).waitFor();
    expect(await page.content()).not.toContain(token.slice(-50));
    await page.getByRole('button', { name: 'Edit settings' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit the key’s settings' });
    await edit.waitFor();
    await edit.getByLabel('Description').fill('Edited in the console');
    await edit.getByLabel('IP allowlist').fill('203.0.113.0/24');
    await edit.getByLabel('Rate limit (requests)').fill('100');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved: every server applies the new settings').waitFor();
    await page.locator('dd code', { hasText: '203.0.113.0/24' }).waitFor();
    await page.locator('dd', { hasText: '100 per 60 s' }).waitFor();
    await page.getByText('Edited in the console').first().waitFor();
    expect(await viewerStatus(token)).toBe(401); // 127.0.0.1 is not in the allowlist any more
    // A bad address is refused with its field named, and nothing changes.
    await page.getByRole('button', { name: 'Edit settings' }).click();
    await edit.getByLabel('IP allowlist').fill('not-an-address');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.locator('.field-error').first().waitFor();
    expect(await edit.locator('.field-error').first().textContent()).toContain('not-an-address');
    await edit.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('dd code', { hasText: '203.0.113.0/24' }).waitFor();

    // 6. Revoke it, with confirmation.
    await page.getByRole('button', { name: 'Revoke' }).click();
    const dialog = page.getByRole('dialog', { name: /Revoke/ });
    await dialog.waitFor();
    await dialog.getByLabel('Reason (optional)').fill('End-to-end test');
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText('The key was revoked').waitFor();
    await page.getByText('Revoked', { exact: true }).first().waitFor();
    expect(await viewerStatus(token)).toBe(401);

    // 7. The events arrived live in the other tab.
    const live = events.getByTestId('live-events');
    await live.locator('[data-event-type="api_key.created"]', { hasText: 'E2E partner key' }).waitFor({ timeout: 15_000 });
    await live.locator('[data-event-type="api_key.revoked"]', { hasText: 'E2E partner key' }).waitFor({ timeout: 15_000 });

    // 8. Audit shows the console as the source.
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await page
      .getByRole('row', { name: /api_key\.revoke/ })
      .getByText('console:Ada Admin')
      .waitFor();

    // 9. Sign out: back to sign-in, and the session is dead server-side too.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Keyplane console' }).waitFor();
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `kp_console=${session.value}`,
        'x-keyplane-csrf': cookies.find((c) => c.name === 'kp_csrf')!.value,
      },
      body: JSON.stringify({ query: '{ viewer { user { id } } }' }),
    });
    expect(res.status).toBe(401);
    expect(pageErrors.filter((e) => !/401|Unauthorized/.test(e))).toEqual([]);
    await context.close();
  }, 120_000);

  it('edits a key’s permissions down to resource instances, its credits and validity, and shows them on the key page', async () => {
    await gql(server, org.token, DefineResource, { input: { name: 'attendees', actions: ['read', 'write'], publicActions: ['read'] } });
    const res = await gql(
      server,
      org.token,
      'mutation($u: ID!) { createApiKey(input: { name: "E2E edit key", userId: $u }) { __typename ... on CreateApiKeySuccess { apiKey { id } } } }',
      {
        u: adminId,
      },
    );
    const keyId = success((res.data as { createApiKey: { __typename?: 'CreateApiKeySuccess'; apiKey: { id: string } } }).createApiKey, 'CreateApiKeySuccess')
      .apiKey.id;
    const context = await localContext(browser);
    const page = await context.newPage();
    await followLink(page, await consoleLink(`/keys/${keyId}`));
    await page.getByRole('heading', { level: 1, name: 'E2E edit key' }).waitFor();
    await page.getByRole('button', { name: 'Edit settings' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit the key’s settings' });
    await edit.waitFor();
    await edit.getByLabel('Only the permissions chosen below, optionally on chosen instances').check();
    await edit.getByRole('checkbox', { name: 'attendees:read', exact: true }).check();
    await edit.getByLabel('attendees:read: only these instances').fill('12, 13');
    await edit.getByRole('checkbox', { name: 'keys:read', exact: true }).check();
    await edit.getByLabel('Credits').fill('500');
    await edit.getByLabel('Valid from').fill('2030-01-02T03:04');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved: every server applies the new settings').waitFor();

    const shown = page.getByTestId('key-permissions');
    await expect.poll(() => shown.textContent()).toContain('attendees:read on 12, 13');
    expect(await shown.textContent()).toContain('keys:read');
    await page.locator('dd', { hasText: /^500$/ }).waitFor();
    await page.locator('dd', { hasText: /^from / }).waitFor();
    const saved = await gql(server, org.token, 'query($id: ID!) { apiKey(id: $id) { permissions { permission resourceIds } credits validFrom } }', {
      id: keyId,
    });
    expect(saved.data).toEqual({
      apiKey: {
        permissions: [
          { permission: 'attendees:read', resourceIds: ['12', '13'] },
          { permission: 'keys:read', resourceIds: null },
        ],
        credits: 500,
        validFrom: expect.stringMatching(/^2030-01-0[12]T/),
      },
    });
    await context.close();
  });

  it('adds a customer with a credit pool and exports what customers spent as CSV', async () => {
    const context = await localContext(browser);
    const page = await context.newPage();
    await followLink(page, await consoleLink('/customers'));
    await page.getByRole('heading', { level: 1, name: 'Customers' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Initech');
    await page.getByLabel('External id').fill('acct-7');
    await page.getByLabel('Credit pool').fill('250');
    await page.getByRole('button', { name: 'Add customer' }).click();
    const row = page.getByRole('row', { name: /Initech/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('250');
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(file.suggestedFilename()).toMatch(/^credit-usage-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = await new Promise<string>((resolve, reject) => {
      void file.createReadStream().then((s) => {
        const chunks: Buffer[] = [];
        s.on('data', (c: Buffer) => chunks.push(c));
        s.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        s.on('error', reject);
      }, reject);
    });
    expect(text.split('\r\n')[0]).toBe('external_id,customer,day,credits');
    await context.close();
  });

  it('the create panels of users, roles, sub-accounts, permissions and webhooks add what they name, or show the refusal in place', async () => {
    const context = await localContext(browser);
    const page = await context.newPage();
    await followLink(page, await consoleLink('/users'));
    const panel = (title: string) => page.getByRole('form', { name: title });
    const open = async (nav: string, heading: string) => {
      await page.getByRole('link', { name: nav, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    };

    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await panel('Add a user').getByLabel('Name', { exact: true }).fill('Grace Panel');
    await panel('Add a user').getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('row', { name: /Grace Panel/ }).waitFor();

    await open('Roles', 'Roles');
    // An empty name: the server's ValidationError shows in the panel, and nothing is added.
    await panel('Create a role').getByRole('button', { name: 'Create role' }).click();
    await panel('Create a role').getByRole('alert').first().waitFor();
    await panel('Create a role').getByLabel('Name', { exact: true }).fill('panel-auditors');
    await panel('Create a role').getByLabel('users:read', { exact: true }).check();
    await panel('Create a role').getByRole('button', { name: 'Create role' }).click();
    await page.getByRole('row', { name: /panel-auditors/ }).waitFor();
    expect(await panel('Create a role').getByRole('alert').count()).toBe(0);

    await open('Sub-accounts', 'Sub-accounts');
    await panel('Add a sub-account').getByLabel('Name', { exact: true }).fill('Panel Branch');
    await panel('Add a sub-account').getByRole('button', { name: 'Add sub-account' }).click();
    await page.getByRole('row', { name: /Panel Branch/ }).waitFor();

    await open('Permissions', 'Permissions');
    await panel('Define an application resource').getByLabel('Name', { exact: true }).fill('panelinvoices');
    await panel('Define an application resource').getByLabel('Actions', { exact: true }).fill('read, write');
    await panel('Define an application resource').getByRole('button', { name: 'Define resource' }).click();
    await page
      .getByRole('row', { name: /panelinvoices/ })
      .first()
      .waitFor();

    await open('Webhooks', 'Webhooks');
    // Not a URL: refused, and the refusal stays in the panel.
    await panel('Add an endpoint').getByLabel('URL', { exact: true }).fill('not a url');
    await panel('Add an endpoint').getByRole('button', { name: 'Add endpoint' }).click();
    await panel('Add an endpoint').getByRole('alert').first().waitFor();
    expect(await page.getByRole('row', { name: /not a url/ }).count()).toBe(0);
    await context.close();
  });

  it('a used link cannot sign in again in another browser', async () => {
    const link = await consoleLink();
    const first = await localContext(browser);
    const p1 = await first.newPage();
    await followLink(p1, link);
    await p1.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    const second = await localContext(browser);
    const p2 = await second.newPage();
    const res = await p2.goto(link);
    expect(res?.status()).toBe(401);
    await p2.getByRole('heading', { name: 'This sign-in link cannot be used' }).waitFor();
    await first.close();
    await second.close();
  });

  it('an operator signs in with a key kept in memory only: gone on reload', async () => {
    const context = await localContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.url}/console/`);
    await page.getByRole('heading', { level: 1, name: 'Keyplane console' }).waitFor();
    await page.getByLabel('API key').fill(org.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    await page.getByRole('row', { name: /bootstrap/ }).waitFor();
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    expect(stored).not.toContain(org.secret);
    expect((await context.cookies()).map((c) => c.value).join()).not.toContain(org.secret);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Keyplane console' }).waitFor();
    await context.close();
  });

  it('is usable by keyboard and on a phone-sized screen, with labelled controls', async () => {
    const context = await localContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await followLink(page, await consoleLink('/keys/new'));
    await page.getByRole('heading', { level: 1, name: 'Create an API key' }).waitFor();
    // No horizontal scrolling of the page itself at phone width.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    // Every form control has an accessible name.
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea')]
        .filter((el) => !(el as HTMLInputElement).labels?.length && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    expect(unlabelled).toEqual([]);
    // The menu opens from the keyboard and leads to another page.
    await page.getByRole('button', { name: 'Menu' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'Users' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    // On a fresh load, the first Tab reaches the skip link.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.textContent);
    expect(focused).toBe('Skip to content');
    await context.close();
  });
});
