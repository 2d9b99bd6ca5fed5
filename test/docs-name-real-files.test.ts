// Every file a document names is in the repository (issue 26.6: docs/apicbase.md and docs/hublify-sandbox.md
// named vendor pages saved as text files that were never committed). Checked: README.md and docs/*.md, their
// backticked paths with a file extension and their relative links. A vendor's page is quoted by its title and
// address instead. Files that exist only at run time (DATA_DIR, build output, a user's own config) are
// recognised by where they live, or listed below with the reason.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(__dirname, '..');

/** File extensions that make a backticked word a file name (`json.dumps` or `url.full` are not). */
const FILE_EXTENSIONS = [
  'ts',
  'js',
  'cjs',
  'mjs',
  'json',
  'md',
  'txt',
  'yml',
  'yaml',
  'toml',
  'mod',
  'sum',
  'svg',
  'png',
  'sql',
  'sh',
  'sqlite',
  'key',
  'keys',
  'enc',
  'html',
  'csv',
];
const FILE_NAME = new RegExp(`^[\\w.~<>/-]*\\.(?:${FILE_EXTENSIONS.join('|')})$`);

/** Where files made at run time live: the data directory, build output, test output, the user's home. */
const RUN_TIME_PLACES = [/^\.data\//, /^DATA_DIR\//, /^<[A-Z_]+>/, /^~\//, /^dist\//, /^test-artifacts\//];
/** Bare names of files made at run time or kept outside the repository, with why. */
const NOT_IN_REPO: Record<string, string> = {
  'temporal.toml': "the Temporal CLI's client profile file, in the user's home",
  'orders.sqlite': 'the order record store, created in DATA_DIR',
  '.traced.js': 'the suffix of the traced workflow bundle that `npm run build` writes',
};

/** The repository's files (tracked, and new ones not ignored), relative to ROOT. */
function repoFiles(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f && existsSync(path.join(ROOT, f)));
}

function documents(): string[] {
  return [
    'README.md',
    ...readdirSync(path.join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
}

/** The files a document names: backticked paths with an extension, and relative link targets. */
function namedFiles(markdown: string): { backticked: string[]; linked: string[] } {
  const backticked = [...markdown.matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1]!)
    .filter((w) => FILE_NAME.test(w) && !/^[a-z]+:\/\//.test(w));
  const linked = [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#'))
    .map((target) => decodeURIComponent(target.replace(/#.*$/, '')));
  return { backticked, linked };
}

/** Where a named file is missing from the repository, or undefined when it is there (or made at run time). */
function missing(name: string, doc: string, files: string[]): string | undefined {
  if (RUN_TIME_PLACES.some((re) => re.test(name)) || name in NOT_IN_REPO) return undefined;
  const fromDoc = path.relative(ROOT, path.resolve(ROOT, path.dirname(doc), name));
  if (name.includes('/')) return files.includes(name) || files.includes(fromDoc) ? undefined : `${doc}: \`${name}\``;
  // A bare name: some file of the repository has it.
  return files.some((f) => path.basename(f) === name) ? undefined : `${doc}: \`${name}\``;
}

void describe('documents name only files that are in the repository', () => {
  void it('every backticked file path and relative link in README.md and docs/*.md exists', () => {
    const files = repoFiles();
    const problems: string[] = [];
    let checked = 0;
    for (const doc of documents()) {
      const { backticked, linked } = namedFiles(readFileSync(path.join(ROOT, doc), 'utf8'));
      for (const name of backticked) {
        checked++;
        const problem = missing(name, doc, files);
        if (problem) problems.push(problem);
      }
      for (const target of linked) {
        checked++;
        const fromDoc = path.relative(ROOT, path.resolve(ROOT, path.dirname(doc), target));
        if (!files.includes(fromDoc)) problems.push(`${doc}: link (${target})`);
      }
    }
    assert.ok(checked > 50, `the documents name files (${checked} found): the extraction still works`);
    assert.deepEqual(problems, [], 'files named by the documents but not in the repository');
  });

  void it('finds backticked paths and relative links, not dotted words or web addresses', () => {
    const { backticked, linked } = namedFiles(
      'see `src/main.ts`, `vendor-page.txt`, `json.dumps`, `url.full`, `https://x.example/a.md`, [ops](docs/operations.md#metrics), [web](https://example.com/a.md), [here](#top)',
    );
    assert.deepEqual(backticked, ['src/main.ts', 'vendor-page.txt']);
    assert.deepEqual(linked, ['docs/operations.md']);
    const files = ['src/main.ts', 'docs/operations.md'];
    assert.equal(missing('vendor-page.txt', 'docs/x.md', files), 'docs/x.md: `vendor-page.txt`');
    assert.equal(missing('main.ts', 'docs/x.md', files), undefined);
    assert.equal(missing('.data/orders.sqlite', 'README.md', files), undefined);
  });
});
