// Property: whatever the customer directory file holds — any bytes, any JSON, the example directory
// with fields removed or given other values — loading it either gives a directory the schema accepts
// or throws CustomerDirectoryError naming the file and each problem. Never a TypeError, a raw
// SyntaxError or zod's own error, and a directory that loads can be looked up by any customer number.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import * as fc from 'fast-check';
import {
  CustomerDirectoryError,
  customerDirectorySchema,
  findCustomer,
  loadCustomerDirectory,
} from '../src/customers/directory';

const NUM_RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const EXAMPLE = JSON.parse(
  readFileSync(path.join(__dirname, '..', 'config', 'customers.example.json'), 'utf8'),
) as Record<string, unknown>;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'directory-fuzz-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Paths to every value in the example (objects walked), for edits. */
function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  return [prefix, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
}
const EXAMPLE_PATHS = pathsOf(EXAMPLE).filter((p) => p.length > 0);

function edit(doc: unknown, at: string[], value: unknown): unknown {
  const copy = structuredClone(doc) as Record<string, unknown>;
  let node = copy;
  for (const key of at.slice(0, -1)) {
    if (node[key] === null || typeof node[key] !== 'object') return copy;
    node = node[key] as Record<string, unknown>;
  }
  const last = at[at.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

const contents: fc.Arbitrary<string> = fc.oneof(
  // The example as written, laid out differently: valid, so each run loads directories too (random
  // edits alone drew about two valid ones in 300 runs, and none in one CI run in twelve).
  fc.integer({ min: 0, max: 8 }).map((indent) => JSON.stringify(EXAMPLE, null, indent)),
  fc.string(),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .array(fc.tuple(fc.constantFrom(...EXAMPLE_PATHS), fc.option(fc.jsonValue(), { nil: undefined })), {
      minLength: 1,
      maxLength: 4,
    })
    .map((edits) => JSON.stringify(edits.reduce<unknown>((doc, [at, value]) => edit(doc, at, value), EXAMPLE))),
);

void describe('customer directory loader under any file content (fast-check)', () => {
  void it('loads a valid directory or throws CustomerDirectoryError naming the file; nothing else', () => {
    let loaded = 0;
    let refused = 0;
    fc.assert(
      fc.property(contents, fc.string(), (content, customerNumber) => {
        const file = path.join(tmp, 'customers.json');
        writeFileSync(file, content, 'latin1');
        try {
          const directory = loadCustomerDirectory(file);
          loaded += 1;
          assert.ok(customerDirectorySchema.safeParse(directory).success);
          findCustomer(directory, customerNumber); // any number: a customer or undefined, never a throw
        } catch (err) {
          if (!(err instanceof CustomerDirectoryError)) throw err;
          refused += 1;
          assert.ok(err.message.includes(file), 'the message names the file');
          assert.ok(err.problems.length > 0 && err.problems.every((p) => typeof p === 'string' && p.length > 0));
        }
      }),
      { numRuns: NUM_RUNS },
    );
    // Both outcomes were drawn, so the property saw valid and invalid directories.
    assert.ok(loaded > 0 && refused > 0, `loaded ${loaded}, refused ${refused}`);
  });
});
