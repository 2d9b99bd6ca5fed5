// The Temporal binaries in .tools/bin are rebuilt when tools/temporal/go.sum changes (new pins).
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { builtTool } from '../src/temporal/go-tools';

const root = mkdtempSync(path.join(tmpdir(), 'order-relay-go-tools-'));
after(() => rmSync(root, { recursive: true, force: true }));
const dirs = { bin: path.join(root, 'bin'), module: path.join(root, 'module') };
mkdirSync(dirs.bin);
mkdirSync(dirs.module);
const binary = path.join(dirs.bin, 'temporal');
const goSum = path.join(dirs.module, 'go.sum');
const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);

void it('a binary built after the pins is used; one older than go.sum is not (rebuilt); none, or not executable, is missing', () => {
  assert.equal(builtTool('temporal', dirs), undefined, 'no binary');
  writeFileSync(binary, '#!/bin/sh\n');
  assert.equal(builtTool('temporal', dirs), undefined, 'not executable');
  chmodSync(binary, 0o755);
  assert.equal(builtTool('temporal', dirs), binary, 'no go.sum: nothing to compare with');
  writeFileSync(goSum, 'pins\n');
  at(goSum, 1_000);
  at(binary, 2_000);
  assert.equal(builtTool('temporal', dirs), binary, 'built after the pins');
  at(goSum, 3_000);
  assert.equal(builtTool('temporal', dirs), undefined, 'the pins changed after the build');
});
