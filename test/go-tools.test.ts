// The Temporal binaries in .tools/bin are rebuilt when tools/temporal/go.sum changes (new pins); until
// then `order-relay temporal …` still runs the older CLI, saying so.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { runTemporalCli } from '../src/cli/temporal-passthrough';
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

void it('`order-relay temporal` runs a CLI built from older pins, saying that npm start renews it; with none, says how to get one', async () => {
  const cli = path.join(dirs.bin, 'temporal');
  writeFileSync(cli, '#!/bin/sh\necho "older cli: $*"\n');
  chmodSync(cli, 0o755);
  at(goSum, 5_000);
  at(cli, 4_000);
  const run = async () => {
    const io = { out: '', err: '' };
    const code = await runTemporalCli(
      ['workflow', 'list'],
      { out: (t) => (io.out += t), err: (t) => (io.err += t), env: { PATH: '/nonexistent' } },
      dirs,
    );
    return { code, ...io };
  };
  const stale = await run();
  assert.equal(stale.code, 0, stale.err);
  assert.equal(stale.out, 'older cli: workflow list\n');
  assert.match(stale.err, /built before tools\/temporal\/go\.sum last changed; `npm start` builds it again/);

  rmSync(cli);
  const none = await run();
  assert.equal(none.code, 2);
  assert.equal(none.out, '');
  assert.match(none.err, /no Temporal CLI yet: `npm start` builds it/);
});
