// Turns the CLI's `--set field=value`, `--clear field` and `--item pcode:qty` into the workflow's
// AmendRequest (the admin API takes the AmendRequest as JSON directly).
import type { AmendRequest } from '../../workflows/order-status';
import { OperationError } from './errors';

export interface AmendArgs {
  set?: string[];
  clear?: string[];
  item?: string[];
  note?: string;
}

export function amendRequestFromArgs(args: AmendArgs): AmendRequest {
  const order: Record<string, string | null> = {};
  const problems: string[] = [];
  for (const pair of args.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) problems.push(`--set "${pair}": expected field=value`);
    else order[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  for (const field of args.clear ?? []) {
    if (!field.trim()) problems.push('--clear needs a field name');
    else order[field.trim()] = null;
  }
  const orderitems = (args.item ?? []).map((spec) => {
    const colon = spec.lastIndexOf(':');
    const pcode = (colon > 0 ? spec.slice(0, colon) : '').trim();
    const quantity = colon > 0 ? Number(spec.slice(colon + 1)) : NaN;
    if (!pcode || !Number.isInteger(quantity) || quantity < 1)
      problems.push(`--item "${spec}": expected article:quantity, e.g. EK00001:2`);
    return { oi_pcode: pcode, oi_quantity: quantity, oi_type: 'product' };
  });
  // The summary names how many; the CLI lists each problem under it (once) and the JSON carries them.
  if (problems.length)
    throw new OperationError(
      'usage',
      `invalid amend options (${problems.length} problem${problems.length === 1 ? '' : 's'})`,
      problems,
    );
  return {
    ...(Object.keys(order).length ? { order } : {}),
    ...(orderitems.length ? { orderitems } : {}),
    ...(args.note?.trim() ? { note: args.note.trim() } : {}),
  };
}
