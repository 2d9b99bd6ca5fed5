// The sandbox's orders on disk, so that a restarted `npm start` still has them and never hands out an
// id twice — as a real Hublify would (issue 17.1). One JSON file, replaced atomically on each change.
import { z } from 'zod';
import { readJsonStateFile, writeJsonStateFile } from '../../sandbox/json-state-file';

const personSchema = z.object({
  personid: z.string(),
  p_personid_external: z.string().nullable(),
  fields: z.record(z.string(), z.unknown()),
});

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
  return readJsonStateFile(file, sandboxSnapshotSchema, (f, problem) => new SandboxStateFileError(f, problem));
}

/** Replaces `file` atomically: a crash leaves the old or the new snapshot. */
export function writeSandboxSnapshot(file: string, snapshot: SandboxSnapshot): void {
  writeJsonStateFile(file, snapshot);
}
