import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../harness.ts';
import { chromiumAvailable, launchChromium, localContext } from './browser.ts';

/**
 * Issue 18, item 1: GraphiQL loads with the network cut to everything but the service (its
 * assets come from this server, not a CDN), takes a key in its headers, and runs `viewer`.
 */
const ci = process.env.CI === 'true';
const missing = !chromiumAvailable();

describe.skipIf(missing && !ci)('GraphiQL offline (headless Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('loads from this server alone, and runs viewer with a key entered in its headers', async () => {
    const org = await seedOrg(server);
    const context = await localContext(browser);
    const page = await context.newPage();
    const outside: string[] = [];
    page.on('requestfailed', (r) => {
      if (!r.url().startsWith(server.url)) outside.push(r.url());
    });
    await page.goto(`${server.url}/graphql`);
    // The page renders (YogaGraphiQL defined): its editors appear.
    await page.locator('.graphiql-container').first().waitFor({ timeout: 20_000 });
    expect(outside).toEqual([]);

    // Headers: replace the ASCII placeholder with the key.
    await page
      .getByRole('button', { name: /headers/i })
      .first()
      .click();
    const headers = page.locator('.graphiql-editor-tool .graphiql-editor').last();
    await headers.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${org.token}` }));

    // Query: viewer.
    const query = page.locator('.graphiql-query-editor .graphiql-editor').first();
    await query.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('{ viewer { organization { id } } }');
    await page.getByRole('button', { name: /execute query/i }).click();
    await expect
      // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText (the rendered text), not the DOM property
      .poll(async () => (await page.locator('.graphiql-response').innerText()).replace(/\s+/g, ''), { timeout: 15_000 })
      .toContain(`"id":"${org.organizationId}"`);
    await context.close();
  });
});
