// What `npm start` prints (issue 26.11, 26.14): the start's log lines first and the banner last, so it does not
// scroll away; webpack's report not at all (the workflows are bundled once, for both workers, and one line says
// so); one short request line without headers, and none at info for the Web UI's /codec/decode calls. Run as a
// user runs it, on free ports, at the default log level, in pull mode (the banner's pull line).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { freeLoopbackPort } from '../src/net/free-port';
import { pollUntil } from '../src/poll-until';
import { start, stop, type Started } from './helpers/npm-start';
import { PATIENCE_MS } from './helpers/patience';

const BANNER_START = 'order-relay is running:';
const BANNER_END = 'Press Ctrl-C to stop.';

/** The JSON log lines of the output (the banner and anything else that is not JSON left out). */
function logLines(text: string): Array<{ line: string; entry: Record<string, unknown> }> {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => ({ line, entry: JSON.parse(line) as Record<string, unknown> }));
}

void describe('npm start output', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'order-relay-banner-'));
  let started: Started | undefined;
  after(() => {
    started?.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  void it('prints the banner last, no webpack report, and short request lines without headers', async () => {
    const ports = await Promise.all(Array.from({ length: 6 }, () => freeLoopbackPort()));
    const [temporalPort, uiPort, httpPort, hublifyPort, apicbasePort, metricsPort] = ports as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const running = start({
      DATA_DIR: dataDir,
      TEMPORAL_DEV_PORT: String(temporalPort),
      TEMPORAL_DEV_UI_PORT: String(uiPort),
      PORT: String(httpPort),
      HUBLIFY_SANDBOX_PORT: String(hublifyPort),
      APICBASE_SANDBOX_PORT: String(apicbasePort),
      WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
      APICBASE_MODE: 'pull',
      LOG_LEVEL: 'info',
    });
    started = running;
    await pollUntil(() => running.output().includes(BANNER_END), {
      what: 'the npm start banner',
      timeoutMs: PATIENCE_MS,
      abortIf: () =>
        running.child.exitCode !== null
          ? `npm start exited ${running.child.exitCode}:\n${running.output()}`
          : undefined,
      detail: () => running.output(),
    });
    const atBanner = running.output();
    const bannerAt = atBanner.indexOf(BANNER_START);
    const before = atBanner.slice(0, bannerAt);
    // Every part of the start logged before the banner, so the banner is the last block on the screen.
    for (const msg of [
      'order record store open',
      'Apicbase API worker running',
      'worker metrics endpoint listening',
      'workflows bundled (webpack), shared by the workers',
    ]) {
      assert.ok(before.includes(`"msg":"${msg}"`), `"${msg}" is logged before the banner:\n${atBanner}`);
    }
    assert.equal(atBanner.split('workflows bundled').length - 1, 1, 'bundled once');
    assert.doesNotMatch(
      atBanner,
      /asset workflow-bundle|Workflow bundle created|modules by path/,
      "webpack's report is not printed",
    );
    assert.match(
      atBanner,
      /APICBASE_MODE=pull: polls Apicbase every 5 minutes; poll now/,
      'the pull line says the mode once',
    );
    assert.doesNotMatch(atBanner, /pull \(pull\)/);

    // The Web UI's decode (loopback, as the dev Web UI calls it), then a request that is logged at info.
    const base = `http://127.0.0.1:${httpPort}`;
    const decoded = await fetch(`${base}/codec/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default' },
      body: JSON.stringify({ payloads: [] }),
    });
    assert.equal(decoded.status, 200, await decoded.text());
    assert.equal((await fetch(`${base}/no-such-page`)).status, 404);
    const notFound = await pollUntil(
      () =>
        logLines(running.output()).find(
          ({ entry }) => (entry.req as { url?: string } | undefined)?.url === '/no-such-page',
        ),
      {
        what: 'the request line of GET /no-such-page',
        timeoutMs: PATIENCE_MS,
        detail: () => running.output(),
      },
    );
    assert.deepEqual(notFound.entry.res, { statusCode: 404 }, 'the status, no headers');
    assert.ok(notFound.line.length < 400, `one short line (${notFound.line.length} characters): ${notFound.line}`);
    const requestLines = logLines(running.output()).filter(({ entry }) => entry.req !== undefined);
    assert.deepEqual(
      requestLines.filter(({ line }) => /headers/i.test(line)).map(({ line }) => line),
      [],
      'no request line carries headers',
    );
    // Logged in order: had the decode (answered before the 404 was asked) been logged at info, it would be here.
    assert.deepEqual(
      requestLines
        .filter(({ entry }) => String((entry.req as { url?: string }).url).startsWith('/codec/'))
        .map(({ line }) => line),
      [],
      '/codec/decode is logged at debug only',
    );

    assert.equal(await stop(running), 0, 'Ctrl-C stops it cleanly');
    started = undefined;
  });
});
