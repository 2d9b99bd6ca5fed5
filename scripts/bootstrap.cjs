#!/usr/bin/env node
// Runs before `npm start` and `npm test` (prestart/pretest) with nothing but Node, so a fresh clone
// works with one command: installs npm dependencies when they are missing or stale, then makes sure
// a Temporal CLI exists (unless TEMPORAL_ADDRESS points at a cluster and only `npm start` runs).
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

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    say(`${cmd} ${args.join(' ')} failed (exit ${result.status})`);
    process.exit(result.status || 1);
  }
}

// npm writes node_modules/.package-lock.json on every install: older than package-lock.json = stale.
const installed = mtime(path.join(root, 'node_modules', '.package-lock.json'));
if (installed === 0 || installed < mtime(path.join(root, 'package-lock.json'))) {
  // `npm install`, not `npm ci`: npm records only this platform's optional binaries (@swc/core's)
  // in the lock file, and `npm ci` then refuses it as out of sync. The lock still pins every version.
  say('installing npm dependencies (npm install)…');
  run('npm', ['install', '--no-audit', '--no-fund']);
}

const lifecycle = process.env.npm_lifecycle_event;
if (lifecycle === 'prestart' && process.env.TEMPORAL_ADDRESS) {
  say(`TEMPORAL_ADDRESS=${process.env.TEMPORAL_ADDRESS}: using that cluster, no dev server needed`);
} else {
  run(process.execPath, ['--import', 'tsx', path.join('scripts', 'ensure-temporal-cli.ts')]);
}
