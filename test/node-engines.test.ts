// The Node.js versions order-relay supports (package.json `engines.node`) are supported by every package it
// installs (issue 26.7: kubernetes-models 5 wanted Node >= 22 while the README promised Node 20, and
// `npm ci` warned EBADENGINE). Read from package-lock.json, which records each package's own `engines`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import semver from 'semver';

const ROOT = path.resolve(__dirname, '..');
const readJson = (file: string): unknown => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'));

interface LockPackage {
  version?: string;
  engines?: { node?: string } | string[];
}

const ours = (readJson('package.json') as { engines: { node: string } }).engines.node;
const lock = readJson('package-lock.json') as { packages: Record<string, LockPackage> };

/** The majors our range names, each as its own range (`^20.19.0 || ^22.13.0` → [`^20.19.0`, `^22.13.0`]). */
function majorRanges(range: string): string[] {
  return new semver.Range(range).set.map((comparators) => comparators.map((c) => c.value).join(' '));
}

void describe('supported Node.js versions', () => {
  void it('package.json names a bounded range of maintained majors, each from a given minor on', () => {
    const majors = majorRanges(ours);
    assert.ok(majors.length >= 2, `engines.node "${ours}" names each supported major`);
    for (const major of majors) {
      const lowest = semver.minVersion(major);
      assert.ok(lowest, `${major} has a lowest version`);
      assert.ok(lowest.major >= 20, `${major}: Node < 20 is out of support`);
      assert.ok(
        !semver.satisfies(`${lowest.major + 1}.0.0`, major),
        `${major} stops before the next major (untested majors are not promised)`,
      );
    }
    assert.ok(
      !semver.satisfies('19.9.0', ours) && !semver.satisfies('26.0.0', ours),
      `"${ours}" promises neither an old nor an unreleased major`,
    );
  });

  void it('every installed package whose engines.node is set supports every version of our range', () => {
    const problems: string[] = [];
    let withEngines = 0;
    for (const [where, pkg] of Object.entries(lock.packages)) {
      const node = Array.isArray(pkg.engines) ? undefined : pkg.engines?.node;
      if (!where || node === undefined) continue;
      withEngines++;
      for (const major of majorRanges(ours)) {
        if (!semver.subset(major, node))
          problems.push(
            `${where.replace(/^.*node_modules\//, '')}@${pkg.version ?? '?'} wants node ${node}, not all of ${major}`,
          );
      }
    }
    assert.ok(withEngines > 20, `package-lock.json records engines (${withEngines} packages): the check reads them`);
    assert.deepEqual(problems, [], `packages that do not support all of "${ours}"`);
  });

  void it('the Docker image builds and runs on the newest major of our range', () => {
    const majors = [...readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^FROM\s+node:(\d+)/gm)].map((m) =>
      Number(m[1]),
    );
    assert.ok(majors.length >= 2, 'the Dockerfile builds and runs FROM node:<major>');
    const newest = Math.max(...majorRanges(ours).map((r) => semver.minVersion(r)!.major));
    assert.deepEqual(
      majors,
      majors.map(() => newest),
      `every stage is node:${newest}, the newest major of "${ours}"`,
    );
  });
});
