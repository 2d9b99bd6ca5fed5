// DATA_DIR's start lock (issue 26.13): a live holder refuses a second start, naming itself and where it
// answers; a lock left by a process that is gone is taken over. The whole `npm start` case is in
// test/npm-start.test.ts.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { AlreadyRunningError, START_LOCK_FILE, acquireStartLock } from '../src/start-lock';

/** A process that runs until killed: its pid stands for a live holder. */
function idleProcess(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => undefined, 60_000)'], { stdio: 'ignore' });
}

void describe('start lock', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'order-relay-start-lock-'));
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  void it('a live holder refuses the start, naming its pid and where it answers; nothing is written', async () => {
    const d = path.join(root, 'live');
    mkdirSync(d);
    const holder = idleProcess();
    children.push(holder);
    await new Promise((resolve) => holder.once('spawn', resolve));
    const lock = JSON.stringify({
      pid: holder.pid,
      startedAt: '2026-12-07T14:00:00.000Z',
      where: ['HTTP                 http://127.0.0.1:3000'],
    });
    writeFileSync(path.join(d, START_LOCK_FILE), lock);
    assert.throws(
      () => acquireStartLock(d),
      (err: unknown) => {
        assert.ok(err instanceof AlreadyRunningError);
        assert.match(
          err.message,
          new RegExp(
            `order-relay already runs on the data in .*live \\(pid ${holder.pid}, started 2026-12-07T14:00:00.000Z\\); nothing was started or changed`,
          ),
        );
        assert.match(err.message, /HTTP\s+http:\/\/127\.0\.0\.1:3000/);
        return true;
      },
    );
    assert.equal(readFileSync(path.join(d, START_LOCK_FILE), 'utf8'), lock, 'the holder’s lock is left as it was');
  });

  void it("a dead holder's lock is taken over, described, and released by its new owner only", async () => {
    const d = path.join(root, 'stale');
    mkdirSync(d);
    const gone = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((resolve) => gone.once('exit', resolve));
    writeFileSync(
      path.join(d, START_LOCK_FILE),
      JSON.stringify({ pid: gone.pid, startedAt: '2026-12-07T13:00:00.000Z', where: [] }),
    );
    const lock = acquireStartLock(d);
    const read = () => JSON.parse(readFileSync(lock.file, 'utf8')) as { pid: number; where: string[] };
    assert.equal(read().pid, process.pid, 'taken over');
    lock.describe(['HTTP                 http://127.0.0.1:3001']);
    assert.deepEqual(read().where, ['HTTP                 http://127.0.0.1:3001']);
    lock.release();
    assert.equal(existsSync(lock.file), false, 'released');
    const again = acquireStartLock(d);
    writeFileSync(again.file, JSON.stringify({ pid: 1, startedAt: 'x', where: [] }));
    again.release();
    assert.equal(existsSync(again.file), true, "another process's lock is not removed");
  });
});
