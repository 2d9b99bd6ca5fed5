#!/usr/bin/env node
// Runs before `npm start` and `npm test` (prestart/pretest) with nothing but Node, so a fresh clone
// works with one command: installs npm dependencies when they are missing or stale, then makes sure
// a Temporal CLI exists (unless TEMPORAL_ADDRESS points at a cluster and only `npm start` runs), and,
// for `npm test` only, the Temporal server on PostgreSQL for the cluster tests and Debian's Chromium
// for the browser test (test/web-ui.test.ts).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const say = (msg) => process.stderr.write(`[bootstrap] ${msg}\n`);

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function run(cmd, args, env = process.env) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) {
    say(`${cmd} ${args.join(' ')} failed (exit ${result.status})`);
    process.exit(result.status || 1);
  }
}

// npm writes node_modules/.package-lock.json on every install: older than package-lock.json = stale.
const installed = mtime(path.join(root, 'node_modules', '.package-lock.json'));
if (installed === 0 || installed < mtime(path.join(root, 'package-lock.json'))) {
  // `npm ci`: exactly the committed lock (which lists every platform's optional @swc/core binary),
  // never rewriting it, so a fresh clone stays clean. Refuses a lock out of step with package.json.
  say('installing npm dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

const lifecycle = process.env.npm_lifecycle_event;
if (lifecycle === 'prestart' && process.env.TEMPORAL_ADDRESS) {
  say(`TEMPORAL_ADDRESS=${process.env.TEMPORAL_ADDRESS}: using that cluster, no dev server needed`);
} else {
  run(process.execPath, ['--import', 'tsx', path.join('scripts', 'ensure-temporal-cli.ts')]);
}

// The cluster tests (test/cluster/, part of `npm test`) run against a Temporal server on PostgreSQL,
// built once into .tools/bin from the same pinned module as the CLI (tools/temporal): seconds after it.
if (lifecycle === 'pretest' || lifecycle === 'pretest:cluster') {
  run(process.execPath, ['--import', 'tsx', path.join('scripts', 'temporal-server', 'ensure.ts')]);
}

// The browser test drives Debian's Chromium with playwright-core (which cannot download a browser
// here). `npm test` installs it when it is missing and this is root with apt-get; `npm start` never does.
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (lifecycle === 'pretest' && !fs.existsSync(chromium)) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (process.env.CHROMIUM_PATH || !isRoot || !fs.existsSync('/usr/bin/apt-get')) {
    say(`Chromium is missing at ${chromium}, which the browser test (test/web-ui.test.ts) needs.`);
    say(
      process.env.CHROMIUM_PATH
        ? 'CHROMIUM_PATH names no file: point it at a Chromium binary.'
        : "Install Debian's chromium package (`sudo apt-get install -y chromium`), or run `npm test` as root and it is installed for you, or set CHROMIUM_PATH.",
    );
    process.exit(1);
  }
  say(
    "installing Debian's chromium for the browser test: apt-get update && apt-get install -y chromium (once; a few minutes)…",
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], env);
  run('apt-get', ['install', '-y', '-qq', 'chromium'], env);
  if (!fs.existsSync('/usr/bin/chromium')) {
    say('apt-get installed chromium, but /usr/bin/chromium is still missing');
    process.exit(1);
  }
}
