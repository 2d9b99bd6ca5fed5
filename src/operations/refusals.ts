// Refused orders (issue 26.2): every order the webhook answered 422 leaves a record in the order store,
// without personal data (order number, Apicbase id, when, the workflow if one ran, why as paths and
// codes). `orders show` finds one by its number, `orders list --stage REJECTED` lists those without a workflow.
import type { RecordedStageLookup } from '../orders/start-order';
import { existsSync } from 'node:fs';
import type { Config } from '../config';
import {
  defaultOrderStoreFile,
  describeStoreTarget,
  isPostgresUrl,
  openOrderStore,
  type OrderStore,
  type RefusalFilters,
  type RefusalRecord,
} from '../store/order-store';
import { OperationError } from './errors';

export type RefusalLookup = Pick<OrderStore, 'findRefusals' | 'listRefusals'>;

/** `orders show` of an order that was refused and started no workflow. */
export interface RefusedOrderDetails {
  orderNumber: string | null;
  apicbaseId: string | null;
  stage: 'REJECTED';
  /** No workflow was started for it. */
  workflowId: null;
  execution: 'NO_WORKFLOW';
  /** The latest refusal. */
  refusedAt: string;
  /** Every refusal of this order, newest first. */
  refusals: RefusalRecord[];
}

export function refusedOrderDetails(refusals: RefusalRecord[]): RefusedOrderDetails {
  const [latest] = refusals;
  if (!latest) throw new Error('no refusal');
  return {
    orderNumber: latest.orderNumber,
    apicbaseId: latest.apicbaseId,
    stage: 'REJECTED',
    workflowId: null,
    execution: 'NO_WORKFLOW',
    refusedAt: latest.refusedAt,
    refusals,
  };
}

/** "supplier_customer_number: unknown_customer; theoretical_price: not_decimal" */
export function refusalWhy(record: RefusalRecord): string {
  return record.reasons.map((r) => `${r.path}: ${r.code}`).join('; ') || 'refused';
}

/**
 * The CLI's way to the relay's order store (DATABASE_URL, else DATA_DIR/orders.sqlite), opened on first
 * use: its refused orders, and the last stage it recorded of an order. A SQLite file that does not exist
 * holds nothing: the CLI never creates a store, nor migrates one (a store of another version is refused:
 * the relay that owns it migrates it).
 */
export function refusalsFromStore(
  config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>,
): RefusalLookup & { latestStage: RecordedStageLookup; close(): Promise<void> } {
  const target = config.DATABASE_URL ?? defaultOrderStoreFile(config.DATA_DIR);
  let opening: Promise<OrderStore | undefined> | undefined;
  const store = () =>
    (opening ??=
      !isPostgresUrl(target) && !existsSync(target)
        ? Promise.resolve(undefined)
        : openOrderStore(target, { migrate: false }).catch((err: unknown) => {
            throw new OperationError(
              'failed',
              `cannot read refused orders from the order store at ${describeStoreTarget(target)}: ${(err as Error).message}`,
            );
          }));
  return {
    findRefusals: async (ref: string) => (await store())?.findRefusals(ref) ?? [],
    listRefusals: async (filters: RefusalFilters) => (await store())?.listRefusals(filters) ?? [],
    // A replay asks whether the order is final there (src/orders/start-order.ts); no store: nothing recorded.
    latestStage: async (workflowId: string) => (await store())?.latestStage(workflowId),
    close: async () => {
      const opened = await opening?.catch(() => undefined);
      await opened?.close();
    },
  };
}
