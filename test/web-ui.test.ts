// The Temporal Web UI as the operators' console, driven in a real browser (Debian's Chromium, headless,
// through playwright-core): the dev server's UI, with order-relay's codec endpoint configured as the
// dev server's --ui-codec-endpoint (as `npm start` does), filters by order number, shows the order with
// its stage (search-attribute columns), a cancelled order with support's reason, and — decrypted through the codec — its summary, details,
// current details and activity summaries. Screenshots go to test-artifacts/ (git-ignored).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { orderWorkflowId } from '../src/apicbase/order';
import { freeLoopbackPort } from '../src/net/free-port';
import { pollUntil } from '../src/poll-until';
import { stageIs, waitForStatus } from './helpers/orders';
import { sampleOrder } from './helpers/sample-order';
import { PATIENCE_MS } from './helpers/patience';
import { startTestSystem, type TestSystem } from './helpers/system';
import { waitForVisible } from './helpers/visibility';
import { deliverOrder } from './helpers/webhook';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '..', 'test-artifacts');
/** What runs Chromium headless on these machines without reaching out to the network. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Waits until some frame of the page (the UI renders Markdown in frames) shows `text`. */
async function frameShowing(page: Page, text: string | RegExp, timeoutMs = PATIENCE_MS): Promise<void> {
  let seen: string[] = [];
  const shown = async () => {
    seen = [];
    for (const frame of page.frames()) {
      const body = await frame
        .locator('body')
        .innerText({ timeout: 1_000 })
        .catch(() => '');
      if (typeof text === 'string' ? body.includes(text) : text.test(body)) return true;
      seen.push(body.slice(0, 200));
    }
    return false;
  };
  await pollUntil(shown, {
    what: `a frame showing ${String(text)}`,
    timeoutMs,
    everyMs: 250,
    detail: () => `frames: ${JSON.stringify(seen)}`,
  });
}

void describe('Temporal Web UI as the operator console (browser)', () => {
  let system: TestSystem;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let uiUrl: string;
  const codecCalls: Array<{ url: string; status: number }> = [];
  const order = sampleOrder({ supplier_customer_number: 'CUST-001' });
  const workflowId = orderWorkflowId(order.id);
  const ADMIN_TOKEN = 'web-ui-test-admin-token-4f2a';

  before(async () => {
    // Fail, not skip: `npm test`'s pretest step installs Chromium (scripts/bootstrap.cjs).
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}: run \`npm test\` as root (its pretest step runs \`apt-get install -y chromium\`), install Debian's chromium package by hand, or set CHROMIUM_PATH`,
      );
    }
    const relayPort = await freeLoopbackPort();
    const uiPort = await freeLoopbackPort();
    uiUrl = `http://127.0.0.1:${uiPort}`;
    system = await startTestSystem(
      // What `npm start` sets up for its embedded dev server: the UI's origin may call the codec, which
      // answers loopback callers without a token (the dev UI cannot send one).
      { PORT: String(relayPort), TEMPORAL_UI_URL: uiUrl, CODEC_LOOPBACK_UNAUTHENTICATED: 'true', ADMIN_TOKEN },
      { temporal: { ui: true, uiPort, extraArgs: ['--ui-codec-endpoint', `http://127.0.0.1:${relayPort}/codec`] } },
    );
    const res = await deliverOrder(system.baseUrl, order);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await waitForStatus(system.relay.client.workflow.getHandle(workflowId), stageIs('WAITING_FOR_SHIPMENT'));
    // Visibility catches up a moment later; the UI lists from it.
    const query = `OrderNumber = "${order.order_number}" AND OrderStage = "WAITING_FOR_SHIPMENT"`;
    await waitForVisible(system.relay.client, query);

    profile = mkdtempSync(path.join(tmpdir(), 'order-relay-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1680, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    // How long Playwright waits for an element: as long as for any event (a loaded machine is slow).
    page.setDefaultTimeout(PATIENCE_MS);
    page.on('response', (r) => {
      if (r.url().includes('/codec/')) codecCalls.push({ url: r.url(), status: r.status() });
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await context?.close();
    await system?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  void it('filters the workflow list by order number and shows the order with its stage', async () => {
    const query = encodeURIComponent(`OrderNumber="${order.order_number}"`);
    await page.goto(`${uiUrl}/namespaces/default/workflows?query=${query}`);
    const link = page.getByRole('link', { name: workflowId });
    await link.waitFor();
    // The operator's columns: the order's search attributes instead of run id, type and times.
    await page.getByTestId('workflows-summary-table-configuration-button').click();
    for (const column of ['OrderNumber', 'OrderStage', 'CustomerNumber', 'HublifyOrderId']) {
      await page.getByRole('button', { name: `Add ${column} column` }).click();
    }
    for (const column of ['Run ID', 'Type', 'Start', 'End'])
      await page.getByRole('button', { name: `Remove ${column} column` }).click();
    await page.getByTestId('drawer-close-button').click();
    await page.getByRole('heading', { name: 'Configure Workflows Table' }).waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Collapse saved views' }).click();
    await page.getByText('All Workflows', { exact: true }).waitFor({ state: 'hidden' });
    await page.mouse.click(5, 5); // nothing focused or hovered in the picture
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: workflowId }) });
    await row.getByText('WAITING_FOR_SHIPMENT').waitFor();
    const text = await row.innerText();
    assert.match(text, new RegExp(order.order_number));
    assert.match(text, /CUST-001/);
    assert.match(text, /ACHN-\d+/);
    assert.match(text, /Running/);
    assert.equal(
      await page.getByRole('link', { name: /^apicbase-order-/ }).count(),
      1,
      'only this order matches the filter',
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-order.png') });
  });

  void it("opens the order: summary, details, current details and activity summaries, decrypted through order-relay's codec", async () => {
    await page.getByRole('link', { name: workflowId }).click();
    await page.getByText('User Metadata', { exact: true }).click();
    // Summary, details and current details are Markdown, which the UI renders in frames of their own.
    await frameShowing(page, `Order ${order.order_number} · customer CUST-001 · 2 items`);
    await frameShowing(page, /WAITING_FOR_SHIPMENT\s*· Hublify ACHN-\d+: received/);
    await frameShowing(page, /Customer location: CUST-001/);
    await page.getByText(`inject order ${order.order_number} into Hublify (order_create)`).first().waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-order-details.png') });
    // Those texts are encrypted in Temporal: only the codec endpoint could have shown them.
    assert.ok(
      codecCalls.some((c) => c.url.endsWith('/codec/decode') && c.status === 200),
      JSON.stringify(codecCalls),
    );
    assert.deepEqual(
      codecCalls.filter((c) => c.status !== 200),
      [],
    );
  });

  void it('a cancelled order shows its stage and the reason support gave (admin API cancel)', async () => {
    const cancelled = sampleOrder({ supplier_customer_number: 'CUST-001' });
    const cancelledId = orderWorkflowId(cancelled.id);
    const reason = 'customer phoned: order placed twice';
    assert.equal((await deliverOrder(system.baseUrl, cancelled)).status, 200);
    await waitForStatus(system.relay.client.workflow.getHandle(cancelledId), stageIs('WAITING_FOR_SHIPMENT'));
    const res = await fetch(`${system.baseUrl}/admin/orders/${cancelled.order_number}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason, stopTracking: true }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { execution: string }).execution, 'COMPLETED');

    await page.goto(
      `${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(`OrderNumber="${cancelled.order_number}"`)}`,
    );
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: cancelledId }) });
    await row.getByText('CANCELLED').first().waitFor();
    assert.match(await row.innerText(), /Completed/);
    await page.getByRole('link', { name: cancelledId }).click();
    await page.getByText('Completed', { exact: true }).first().waitFor();
    // The current details (decrypted through the codec) say why.
    await page.getByText('User Metadata', { exact: true }).click();
    await frameShowing(
      page,
      new RegExp(
        `CANCELLED\\s*· Hublify ACHN-\\d+: received · relay stopped tracking: the Hublify order is STILL LIVE · reason: ${reason}`,
      ),
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-cancelled-order.png') });
  });
});
