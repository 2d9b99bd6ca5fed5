// The sandbox's orders on disk, so that a restarted `npm start` still has them and never hands out an
// id twice — as a real Hublify would (issue 17.1). One JSON file, replaced atomically on each change.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const personSchema = z.object({ personid: z.string(), p_personid_external: z.string().nullable(), fields: z.record(z.string(), z.unknown()) });

const orderSchema = z.object({
  orderid: z.string(),
  personid: z.string(),
  o_orderid_external: z.string().nullable(),
  order_state_code: z.string(),
  order_state_name: z.string(),
  order_state_transtime: z.string(),
  created_at: z.string(),
  order: z.record(z.string(), z.unknown()),
  delivery_list: z.array(z.looseObject({})),
  request: z.unknown(),
  updates: z.array(z.object({ at: z.string(), request: z.unknown() })),
});

export const sandboxSnapshotSchema = z.object({
  version: z.literal(1),
  lastPerson: z.number().int().min(0),
  lastOrder: z.number().int().min(0),
  lastShipment: z.number().int().min(0),
  persons: z.array(personSchema),
  /** Orders name their person by `personid`; the person itself is kept once, in `persons`. */
  orders: z.array(orderSchema),
});

export type SandboxSnapshot = z.infer<typeof sandboxSnapshotSchema>;

export class SandboxStateFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`The Hublify sandbox's state file ${file} ${problem}; move it away to start with an empty sandbox`);
    this.name = 'SandboxStateFileError';
  }
}

/** The snapshot in `file`, or undefined when there is none yet. A broken file is an error, never silently emptied. */
export function readSandboxSnapshot(file: string): SandboxSnapshot | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SandboxStateFileError(file, `cannot be read (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SandboxStateFileError(file, `is not valid JSON (${(err as Error).message})`);
  }
  const parsed = sandboxSnapshotSchema.safeParse(json);
  if (!parsed.success) throw new SandboxStateFileError(file, `is not a sandbox snapshot (${z.prettifyError(parsed.error).replace(/\n/g, ' ')})`);
  return parsed.data;
}

/** Writes a temporary file beside `file` and renames it over: a crash leaves the old or the new snapshot. */
export function writeSandboxSnapshot(file: string, snapshot: SandboxSnapshot): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(snapshot), { mode: 0o600 });
  renameSync(temporary, file);
}
