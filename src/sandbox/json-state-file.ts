// A sandbox's state on disk (the Hublify and the Apicbase sandbox of `npm start` keep theirs in DATA_DIR), so a
// restart still has its orders, as the real system would. One JSON file, replaced atomically on each change.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** The snapshot in `file` checked against `schema`, or undefined when there is none yet. `problem` makes the error for a broken file (never silently emptied). */
export function readJsonStateFile<S extends z.ZodType>(
  file: string,
  schema: S,
  problem: (file: string, what: string) => Error,
): z.infer<S> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw problem(file, `cannot be read (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw problem(file, `is not valid JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw problem(file, `is not a sandbox snapshot (${z.prettifyError(parsed.error).replace(/\n/g, ' ')})`);
  return parsed.data;
}

/** Writes a temporary file beside `file` (0600) and renames it over: a crash leaves the old or the new snapshot. */
export function writeJsonStateFile(file: string, snapshot: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(snapshot), { mode: 0o600 });
  renameSync(temporary, file);
}
