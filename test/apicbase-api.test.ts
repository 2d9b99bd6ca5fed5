// The Apicbase API client, OAuth and the encrypted token store against the Apicbase sandbox over
// real HTTP (no Temporal): pagination and defensive envelope parsing, PATCH marks, every failure
// classified, tokens refreshed before expiry, the auth CLI, and the sandbox's webhook signing.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApicbaseTokens } from '../src/apicbase/access-tokens';
import { ApicbaseApiClient } from '../src/apicbase/api-client';
import { ApicbaseAuthError, ApicbaseRejectedError, ApicbaseTransientError } from '../src/apicbase/errors';
import {
  authorizeUrl,
  codeFromInput,
  exchangeCode,
  tokensFromResponse,
  type OAuthSettings,
} from '../src/apicbase/oauth';
import { parsePurchaseOrderPage, UnreadableEnvelopeError } from '../src/apicbase/purchase-order-page';
import { authorizeWithSandbox } from '../src/apicbase/sandbox/auto-authorize';
import { startEmbeddedApicbaseSandbox } from '../src/apicbase/sandbox/embedded';
import { startApicbaseSandbox, type ApicbaseSandbox } from '../src/apicbase/sandbox/server';
import { TOKEN_KEY_FILE_NAME, TokenStore, TokenStoreError, resolveTokenKey } from '../src/apicbase/token-store';
import { apicbaseAuthCommand } from '../src/cli/apicbase-auth';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { freeLoopbackPort } from '../src/net/free-port';
import { pythonJsonDumps, signApicbasePayload, verifyApicbaseSignature } from '../src/ingress/apicbase-signature';
import { pythonSampleSignature } from './helpers/ingress';
import { sampleOrder } from './helpers/sample-order';

const REDIRECT = 'https://relay.example/apicbase/callback';

void describe('Apicbase API client, OAuth and token store (against the sandbox)', () => {
  let sandbox: ApicbaseSandbox;
  let dir: string;
  let oauth: OAuthSettings;
  let store: TokenStore;

  const client = (
    tokens = new ApicbaseTokens({ store, oauth, refreshMarginMs: 60_000 }),
    extra: Partial<ConstructorParameters<typeof ApicbaseApiClient>[0]> = {},
  ) =>
    new ApicbaseApiClient({
      baseUrl: sandbox.url,
      tokens,
      timeoutMs: 2_000,
      patchPath: '/api/v2/integrations/suppliers/purchase_orders/{id}/',
      fetchedPatchBody: { fetched_by_supplier: true },
      viewedPatchBody: { viewed_by_supplier: true },
      ...extra,
    });

  before(async () => {
    sandbox = await startApicbaseSandbox({ clientId: 'relay', clientSecret: 'relay-secret' });
    dir = mkdtempSync(path.join(tmpdir(), 'apicbase-api-'));
    oauth = {
      authorizeUrl: `${sandbox.url}/oauth/authorize/`,
      tokenUrl: `${sandbox.url}/oauth/token/`,
      clientId: 'relay',
      clientSecret: 'relay-secret',
      redirectUri: REDIRECT,
      timeoutMs: 2_000,
    };
    store = new TokenStore(path.join(dir, 'tokens.enc'), resolveTokenKey({ dataDir: dir }));
  });
  after(async () => {
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    sandbox.reset();
    sandbox.setAccessTokenTtl(7 * 86_400_000);
    sandbox.setRateLimit({ limit: 100, windowMs: 60_000 });
    await authorizeWithSandbox(oauth, store);
  });

  void it('authorization code flow: authorize URL, code from the redirect URL, exchange; tokens encrypted at rest', async () => {
    const url = new URL(authorizeUrl(oauth, 'st4te'));
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('client_id'), 'relay');
    assert.equal(url.searchParams.get('redirect_uri'), REDIRECT);
    const redirect = await fetch(url, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    const location = redirect.headers.get('location')!;
    assert.ok(location.startsWith(`${REDIRECT}?code=`) && location.includes('state=st4te'));
    const tokens = tokensFromResponse(await exchangeCode(oauth, codeFromInput(location)), new Date());
    assert.ok(tokens.refreshToken && tokens.expiresAt);
    // A code is single use.
    await assert.rejects(
      exchangeCode(oauth, codeFromInput(location)),
      (err: Error) =>
        err instanceof ApicbaseAuthError &&
        /invalid_grant/.test(err.message) &&
        !err.message.includes(tokens.accessToken),
    );
    assert.throws(() => codeFromInput(`${REDIRECT}?error=access_denied`), /access_denied/);

    store.write(tokens);
    const raw = readFileSync(store.file, 'utf8');
    assert.ok(!raw.includes(tokens.accessToken) && !raw.includes(tokens.refreshToken), 'no token in the clear');
    assert.equal(statSync(store.file).mode & 0o777, 0o600);
    assert.equal(statSync(path.join(dir, TOKEN_KEY_FILE_NAME)).mode & 0o777, 0o600, 'key file created 0600');
    assert.deepEqual(store.read(), tokens);
    assert.throws(
      () => new TokenStore(store.file, Buffer.alloc(32, 7)).read(),
      TokenStoreError,
      'another key cannot read it',
    );
    const tampered = JSON.parse(raw) as { data: string };
    tampered.data = Buffer.from('x'.repeat(40)).toString('base64');
    const copy = path.join(dir, 'tampered.enc');
    writeFileSync(copy, JSON.stringify(tampered));
    assert.throws(() => new TokenStore(copy, resolveTokenKey({ dataDir: dir })).read(), TokenStoreError);
  });

  void it('lists ORDERED orders newer than the cursor over several pages, newest first', async () => {
    const t0 = Date.parse('2026-11-20T08:00:00Z');
    for (let i = 0; i < 23; i++)
      await sandbox.placeOrder({ delivery: 'pull', orderedOn: new Date(t0 + i * 60_000).toISOString() });
    await sandbox.placeOrder({ delivery: 'pull', orderedOn: new Date(t0 - 60_000).toISOString() }); // before the cursor
    const delivered = await sandbox.placeOrder({
      delivery: 'pull',
      orderedOn: new Date(t0 + 5 * 60_000).toISOString(),
    });
    sandbox.setStatus(delivered.order.id, 'DELIVERED');

    const api = client();
    const seen: string[] = [];
    let page = 1;
    for (;;) {
      const listed = await api.listPurchaseOrders({ orderedAfter: new Date(t0 - 1).toISOString(), page, pageSize: 10 });
      assert.equal(listed.count, 23);
      seen.push(...listed.orders.map((o) => o.order.ordered_on));
      assert.ok(listed.orders.every((o) => o.fetchedBySupplier === false));
      if (!listed.hasNext) break;
      page++;
    }
    assert.equal(page, 3);
    assert.equal(seen.length, 23);
    assert.deepEqual(seen, [...seen].sort().reverse(), 'newest first');
    // A page past the end (DRF: 404 "Invalid page.") is an empty last page.
    assert.deepEqual(await api.listPurchaseOrders({ page: 9, pageSize: 10 }), {
      orders: [],
      invalid: [],
      otherStatus: 0,
      count: null,
      hasNext: false,
      listed: [],
    });
    // The walk's sort: oldest first; `listed` gives every entry's id and ordered_on in list order.
    const oldest = await api.listPurchaseOrders({
      orderedAfter: new Date(t0 - 1).toISOString(),
      ordering: 'ordered_on,id',
      page: 1,
      pageSize: 10,
    });
    assert.deepEqual(
      oldest.orders.map((o) => o.order.ordered_on),
      [...seen].sort().slice(0, 10),
      'oldest first',
    );
    assert.deepEqual(
      oldest.listed.map((e) => e.orderedOn),
      oldest.orders.map((o) => o.order.ordered_on),
    );
  });

  void it('parses the list defensively: DRF envelope, data/items, a bare array; bad entries reported, other statuses dropped', () => {
    const good = sampleOrder();
    const req = { page: 1, pageSize: 2, status: 'ORDERED' };
    const bad = { id: 'x1', order_number: 'PO-X', packages: 'nope' };
    const delivered = { ...sampleOrder(), status: 'DELIVERED' };
    const drf = parsePurchaseOrderPage(
      { count: 5, next: 'http://x/?page=2', previous: null, results: [good, bad, delivered] },
      req,
    );
    assert.deepEqual(
      [drf.orders.length, drf.invalid.length, drf.otherStatus, drf.count, drf.hasNext],
      [1, 1, 1, 5, true],
    );
    assert.equal(drf.invalid[0]!.id, 'x1');
    assert.ok(drf.invalid[0]!.problems.some((p) => p.startsWith('packages')));
    assert.equal(parsePurchaseOrderPage({ results: [good], next: null }, req).hasNext, false);
    assert.equal(
      parsePurchaseOrderPage({ data: [good, good], count: 2 }, req).hasNext,
      false,
      'count says that was all',
    );
    assert.equal(
      parsePurchaseOrderPage({ items: [good, good] }, req).hasNext,
      true,
      'a full page without next/count may continue',
    );
    assert.equal(parsePurchaseOrderPage([good], req).hasNext, false, 'a short bare array is the last page');
    assert.equal(parsePurchaseOrderPage([good, good], req).orders.length, 2);
    assert.throws(() => parsePurchaseOrderPage({ detail: 'x' }, req), UnreadableEnvelopeError);
    assert.throws(() => parsePurchaseOrderPage('<html>', req), UnreadableEnvelopeError);
  });

  void it('PATCHes the fetched / viewed marks with the configured bodies; a refused body is not retryable', async () => {
    const { order } = await sandbox.placeOrder({ delivery: 'pull' });
    await client().markOrder(order.id, 'fetched');
    assert.equal(sandbox.order(order.id)?.fetched_by_supplier, true);
    assert.equal(sandbox.order(order.id)?.viewed_by_supplier, false);
    await client(undefined, { viewedPatchBody: { viewed_by_supplier: true, fetched_by_supplier: true } }).markOrder(
      order.id,
      'viewed',
    );
    assert.equal(sandbox.order(order.id)?.viewed_by_supplier, true);
    assert.deepEqual(
      sandbox.order(order.id)?.patches.map((p) => p.body),
      [{ fetched_by_supplier: true }, { viewed_by_supplier: true, fetched_by_supplier: true }],
    );
    await assert.rejects(
      client(undefined, { fetchedPatchBody: { fetched: 'yes' } }).markOrder(order.id, 'fetched'),
      (err: Error) => err instanceof ApicbaseRejectedError && err.httpStatus === 400,
    );
    await assert.rejects(
      client().markOrder('no-such-order', 'fetched'),
      (err: Error) => err instanceof ApicbaseRejectedError && err.httpStatus === 404,
    );
  });

  void it('an id that is a path step is refused: never listed as an order to start, never PATCHed (issue 24.8)', async () => {
    const req = { page: 1, pageSize: 10, status: 'ORDERED' };
    const steps = ['..', '.', '...', 'a..b', '.hidden', 'trailing.'];
    const page = parsePurchaseOrderPage(
      steps.map((id) => sampleOrder({ id })),
      req,
    );
    assert.deepEqual(page.orders, [], 'no workflow is started for any of them');
    assert.deepEqual(
      page.invalid.map((bad) => bad.id),
      steps,
      'each reported for a person to handle',
    );
    for (const bad of page.invalid)
      assert.ok(
        bad.problems.some((p) => p.includes('must not contain ".." nor start or end with "."')),
        JSON.stringify(bad),
      );
    // markOrder refuses before it asks for a token, so before any request.
    const noTokens = {
      accessToken: () => Promise.reject(new Error('no request may be made')),
      refused: () => Promise.resolve(false),
    };
    const api = new ApicbaseApiClient({
      baseUrl: sandbox.url,
      tokens: noTokens,
      timeoutMs: 2_000,
      patchPath: '/api/v2/integrations/suppliers/purchase_orders/{id}/',
      fetchedPatchBody: {},
      viewedPatchBody: {},
    });
    for (const id of steps) {
      await assert.rejects(
        api.markOrder(id, 'fetched'),
        (err: Error) => err instanceof ApicbaseRejectedError && /must not contain "\.\."/.test(err.message),
        id,
      );
    }
  });

  void it('classifies failures: 429 with Retry-After, 5xx, timeouts and network errors are transient; no token is an auth error', async () => {
    sandbox.setRateLimit({ limit: 2, windowMs: 30_000 });
    const api = client();
    await api.listPurchaseOrders({ page: 1, pageSize: 10 });
    await api.listPurchaseOrders({ page: 1, pageSize: 10 });
    await assert.rejects(api.listPurchaseOrders({ page: 1, pageSize: 10 }), (err: Error) => {
      assert.ok(err instanceof ApicbaseTransientError);
      assert.equal(err.reason, 'rate-limited');
      assert.ok(err.retryAfterMs! >= 1000 && err.retryAfterMs! <= 30_000, String(err.retryAfterMs));
      return true;
    });
    assert.equal(sandbox.stats().throttled, 1);
    sandbox.setRateLimit({ limit: 100, windowMs: 60_000 });

    sandbox.injectFault({ kind: 'http500', count: 1 });
    await assert.rejects(
      api.listPurchaseOrders({ page: 1, pageSize: 10 }),
      (err: Error) => err instanceof ApicbaseTransientError && err.reason === 'server-error',
    );
    sandbox.injectFault({ kind: 'http429', count: 1, retryAfterSeconds: 7 });
    await assert.rejects(
      api.listPurchaseOrders({ page: 1, pageSize: 10 }),
      (err: Error) => err instanceof ApicbaseTransientError && err.retryAfterMs === 7000,
    );

    // A server that never answers, and one that is not there.
    const hanging = http.createServer(() => undefined);
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    const port = (hanging.address() as AddressInfo).port;
    try {
      const slow = client(undefined, { baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 300 });
      await assert.rejects(
        slow.listPurchaseOrders({ page: 1, pageSize: 10 }),
        (err: Error) => err instanceof ApicbaseTransientError && err.reason === 'timeout',
      );
    } finally {
      hanging.closeAllConnections();
      await new Promise((r) => hanging.close(r));
    }
    const gone = client(undefined, { baseUrl: `http://127.0.0.1:${port}` });
    await assert.rejects(
      gone.listPurchaseOrders({ page: 1, pageSize: 10 }),
      (err: Error) => err instanceof ApicbaseTransientError && err.reason === 'network',
    );

    const empty = new TokenStore(path.join(dir, 'none.enc'), resolveTokenKey({ dataDir: dir }));
    await assert.rejects(
      client(new ApicbaseTokens({ store: empty, oauth, refreshMarginMs: 0 })).listPurchaseOrders({
        page: 1,
        pageSize: 1,
      }),
      (err: Error) => err instanceof ApicbaseAuthError && /apicbase-auth/.test(err.message),
    );
    await assert.rejects(
      client(new ApicbaseTokens({ pasted: 'wrong', refreshMarginMs: 0 })).listPurchaseOrders({ page: 1, pageSize: 1 }),
      (err: Error) => err instanceof ApicbaseAuthError && err.httpStatus === 401,
    );
  });

  void it('refreshes the access token before it expires, once for concurrent callers, and rotates the refresh token', async () => {
    const first = store.read()!;
    let now = new Date();
    const tokens = new ApicbaseTokens({ store, oauth, refreshMarginMs: 86_400_000, now: () => now });
    assert.equal(await tokens.accessToken(), first.accessToken, 'far from expiry: no refresh');
    assert.equal(sandbox.stats().grants.refresh_token, 0);

    // Within the margin (a day before a week-long token expires): refreshed, once for three callers.
    now = new Date(Date.parse(first.expiresAt!) - 86_400_000 + 1_000);
    const got = await Promise.all([tokens.accessToken(), tokens.accessToken(), tokens.accessToken()]);
    assert.equal(new Set(got).size, 1);
    assert.notEqual(got[0], first.accessToken);
    assert.equal(sandbox.stats().grants.refresh_token, 1);
    const second = store.read()!;
    assert.equal(second.accessToken, got[0]);
    assert.notEqual(second.refreshToken, first.refreshToken, 'rotated');
    await client(tokens).listPurchaseOrders({ page: 1, pageSize: 1 });

    // Another process sharing the store (it refreshed meanwhile; the old refresh token is revoked).
    const other = new ApicbaseTokens({
      store: new TokenStore(store.file, resolveTokenKey({ dataDir: dir })),
      oauth,
      refreshMarginMs: 86_400_000,
      now: () => now,
    });
    assert.equal(await other.accessToken(), second.accessToken);
    now = new Date(Date.parse(second.expiresAt!) - 1_000);
    const third = await other.accessToken();
    assert.notEqual(third, second.accessToken);
    assert.equal(
      await tokens.accessToken(),
      third,
      "the first process picks up the other one's refresh instead of using a revoked refresh token",
    );
    assert.equal(sandbox.stats().grants.refresh_token, 2);
  });

  void it('a token Apicbase refuses (401) is refreshed once and the call retried', async () => {
    const tokens = new ApicbaseTokens({ store, oauth, refreshMarginMs: 60_000 });
    const api = client(tokens);
    await api.listPurchaseOrders({ page: 1, pageSize: 1 });
    sandbox.expireAccessTokens();
    await api.listPurchaseOrders({ page: 1, pageSize: 1 });
    const stats = sandbox.stats();
    assert.equal(stats.unauthorized, 1);
    assert.equal(stats.grants.refresh_token, 1);
  });

  void it('apicbase-auth CLI: authorize-url, exchange <redirect URL>, set-token, status — never printing a token', async () => {
    const cliDir = mkdtempSync(path.join(tmpdir(), 'apicbase-cli-'));
    try {
      const config = loadConfig({
        DATA_DIR: cliDir,
        APICBASE_API_URL: sandbox.url,
        APICBASE_CLIENT_ID: 'relay',
        APICBASE_CLIENT_SECRET: 'relay-secret',
        APICBASE_REDIRECT_URI: REDIRECT,
        APICBASE_TOKEN_KEY: 'ab'.repeat(32),
      });
      const lines: string[] = [];
      const run = (...args: string[]) =>
        apicbaseAuthCommand(config, {
          out: (l) => lines.push(l),
          readStdin: () => Promise.resolve('pasted-token-123\n'),
        }).parseAsync(['node', 'apicbase-auth', ...args]);

      await run('authorize-url');
      const location = (await fetch(lines[0]!, { redirect: 'manual' })).headers.get('location')!;
      await run('exchange', location);
      const cliStore = new TokenStore(path.join(cliDir, 'apicbase-tokens.enc'), Buffer.from('ab'.repeat(32), 'hex'));
      const stored = cliStore.read()!;
      assert.equal(stored.kind, 'oauth');
      await run('status', '--check');
      assert.ok(
        lines.some((l) => /check:\s+OK/.test(l)),
        lines.join('\n'),
      );
      await run('refresh');
      assert.notEqual(cliStore.read()!.accessToken, stored.accessToken);
      await run('set-token', '-', '--expires-in', '30d');
      assert.equal(cliStore.read()!.kind, 'pasted');
      assert.equal(cliStore.read()!.accessToken, 'pasted-token-123');
      const printed = lines.join('\n');
      for (const secret of [stored.accessToken, stored.refreshToken!, 'pasted-token-123', 'relay-secret'])
        assert.ok(!printed.includes(secret), 'no secret printed');
    } finally {
      rmSync(cliDir, { recursive: true, force: true });
    }
  });

  void it('apicbase-auth exchange takes only a code from the authorization its authorize-url started (issue 24.9, login CSRF)', async () => {
    const cliDir = mkdtempSync(path.join(tmpdir(), 'apicbase-cli-state-'));
    try {
      const config = loadConfig({
        DATA_DIR: cliDir,
        APICBASE_API_URL: sandbox.url,
        APICBASE_CLIENT_ID: 'relay',
        APICBASE_CLIENT_SECRET: 'relay-secret',
        APICBASE_REDIRECT_URI: REDIRECT,
        APICBASE_TOKEN_KEY: 'cd'.repeat(32),
      });
      const lines: string[] = [];
      const run = (...args: string[]) =>
        apicbaseAuthCommand(config, { out: (l) => lines.push(l) }).parseAsync(['node', 'apicbase-auth', ...args]);
      const redirectFor = async (url: string) => (await fetch(url, { redirect: 'manual' })).headers.get('location')!;
      const cliStore = new TokenStore(path.join(cliDir, 'apicbase-tokens.enc'), Buffer.from('cd'.repeat(32), 'hex'));
      const codeGrants = () => sandbox.stats().grants.authorization_code ?? 0;

      // Nothing pending: a redirect URL is refused before Apicbase is asked.
      const foreign = await redirectFor(authorizeUrl(oauth, 'someone-elses-state'));
      const before = codeGrants();
      await assert.rejects(run('exchange', foreign), /No authorization is pending/);
      // Pending, but the URL came from another authorization (its state is not ours): refused, nothing stored.
      await run('authorize-url');
      const ours = await redirectFor(lines[0]!);
      await assert.rejects(run('exchange', foreign), /state is not the one `authorize-url` made here/);
      assert.equal(codeGrants(), before, 'no code was sent to the token endpoint');
      assert.equal(cliStore.read(), undefined, 'nothing stored');
      // The refusal used up the pending state: even our own URL needs a new authorize-url.
      await assert.rejects(run('exchange', ours), /No authorization is pending/);

      // A bare code needs the state it came with; the right one is exchanged once.
      lines.length = 0;
      await run('authorize-url', '--state', 'operator-state-1');
      const code = new URL(await redirectFor(lines[0]!)).searchParams.get('code')!;
      await assert.rejects(run('exchange', code), /A bare code cannot be checked/);
      await run('authorize-url', '--state', 'operator-state-2');
      await assert.rejects(run('exchange', code, '--state', 'operator-state-1'), /state is not the one/);
      lines.length = 0;
      await run('authorize-url', '--state', 'operator-state-3');
      const good = new URL(await redirectFor(lines[0]!)).searchParams.get('code')!;
      await run('exchange', good, '--state', 'operator-state-3');
      assert.equal(cliStore.read()?.kind, 'oauth');
      assert.equal(codeGrants(), before + 1, 'exactly the checked code reached the token endpoint');
      await assert.rejects(
        run('exchange', good, '--state', 'operator-state-3'),
        /No authorization is pending/,
        'single use',
      );
    } finally {
      rmSync(cliDir, { recursive: true, force: true });
    }
  });

  void it("sandbox webhook: signed like Apicbase's Python sample (HMAC of json.dumps), in both body styles", async () => {
    const received: Array<{ body: Buffer; signature: string | undefined }> = [];
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          body: Buffer.concat(chunks),
          signature: req.headers['x-apic-webhook-signature'] as string | undefined,
        });
        res.writeHead(received.length === 3 ? 500 : 200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hooked = await startApicbaseSandbox({
      clientSecret: 'client-secret',
      webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
    });
    try {
      const python = await hooked.placeOrder({ order: { order_remarks: 'Crème brûlée, bitte' } });
      assert.equal(python.webhook?.status, 200);
      assert.equal(python.status, 'ORDERED');
      const compact = await hooked.placeOrder({ bodyStyle: 'compact' });
      for (const r of received) {
        const text = r.body.toString('utf8');
        assert.equal(
          r.signature,
          signApicbasePayload('client-secret', pythonJsonDumps(text)),
          'HMAC-SHA256 hex of json.dumps(body), keyed by the client secret',
        );
        assert.equal(
          r.signature,
          pythonSampleSignature('client-secret', text),
          "what Apicbase's Python sample computes, run by python3",
        );
      }
      const [first, second] = received;
      assert.equal(
        first!.body.toString(),
        pythonJsonDumps(first!.body.toString()),
        'python style: the body is json.dumps output (", " and ": ", \\u escapes)',
      );
      assert.match(first!.body.toString(), /\\u00e8me br\\u00fbl\\u00e9e/);
      assert.equal(
        verifyApicbaseSignature({ rawBody: first!.body, signature: first!.signature, secrets: ['client-secret'] }).ok,
        true,
      );
      const check = verifyApicbaseSignature({
        rawBody: second!.body,
        signature: second!.signature,
        secrets: ['client-secret'],
      });
      assert.deepEqual(check, { ok: true, matched: 'python', secretIndex: 0 });
      assert.equal(compact.status, 'ORDERED');
      // A receiver that answers 5xx leaves the order "not sent", so it is not in the ORDERED list.
      const failed = await hooked.placeOrder({});
      assert.equal(failed.webhook?.status, 500);
      assert.equal(failed.status, 'IN_PROGRESS');
    } finally {
      await hooked.close();
      receiver.closeAllConnections();
      await new Promise((r) => receiver.close(r));
    }
  });
});

void describe("apicbase-auth status with npm start's embedded Apicbase sandbox", () => {
  void it('status --check in sandbox pull mode checks the sandbox the relay pulls from and exits 0 (issue 26.5)', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'apicbase-auth-sandbox-'));
    // What `APICBASE_MODE=pull npm start` has with no Apicbase setting: the sandbox, authorized into its own token store.
    const env = {
      DATA_DIR: dataDir,
      APICBASE_MODE: 'pull',
      APICBASE_SANDBOX_PORT: String(await freeLoopbackPort()),
      PORT: String(await freeLoopbackPort()),
    };
    const embedded = await startEmbeddedApicbaseSandbox(loadConfig(env), createLogger('silent'));
    try {
      const before = (await (await fetch(`${embedded.config.APICBASE_API_URL}/_sandbox/stats`)).json()) as {
        requests: { list: number };
      };
      // The CLI as an operator runs it beside `npm start`, with the same (empty) Apicbase settings.
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/apicbase-auth.ts', 'status', '--check'], {
        cwd: path.resolve(__dirname, '..'),
        env: { PATH: process.env.PATH ?? '', ...(process.env.HOME ? { HOME: process.env.HOME } : {}), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      assert.equal(code, 0, `stdout: ${stdout}\nstderr: ${stderr}`);
      assert.match(
        stdout,
        new RegExp(
          `^API: +${embedded.config.APICBASE_API_URL!.replace(/[.]/g, '\\.')} \\(the embedded Apicbase SANDBOX`,
          'm',
        ),
      );
      assert.match(stdout, /^store: +.*apicbase-sandbox-tokens\.enc$/m);
      assert.match(stdout, /^check: +OK \(0 ORDERED orders\)$/m);
      const after = (await (await fetch(`${embedded.config.APICBASE_API_URL}/_sandbox/stats`)).json()) as {
        requests: { list: number };
      };
      assert.equal(after.requests.list, before.requests.list + 1, 'the check listed orders at the sandbox once');
    } finally {
      await embedded.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
