// Changes to the order workflow decided once, when a run starts, before its first await.
//
// Why not where the change is used: a patched() call that runs after a local activity's result can
// replay in an earlier workflow task than the one that recorded its marker (the result was recorded in
// task N, the code after it ran in task N+1; on replay the result resolves inside task N, before task
// N+1's markers are known), so replay takes the old branch and fails with "Non-deprecated patch marker
// encountered … no corresponding change command" (issue 22 item 2's backed-out patch, seen under load).
// Decided at the start, a run keeps the behaviour it started with for its whole life, which is also what
// its history can prove. Append new patch ids at the end; never remove or reorder them.
import { patched } from '@temporalio/workflow';

export const PATCHES_AT_START = [
  // The sweep's statusChanged data ends tracking without an order_get (issue 25; told.ts).
  'sweep-data-spares-order-get',
] as const satisfies readonly string[];

export type PatchAtStart = (typeof PATCHES_AT_START)[number];

/** The changes decided at its start that this run has: `run.patches.has(id)`. */
export type RunPatches = ReadonlySet<PatchAtStart>;

/** Asks for every patch, in the listed order (each call records its marker in a new run). */
export function patchesAtStart(): RunPatches {
  return new Set(PATCHES_AT_START.filter((id) => patched(id)));
}
