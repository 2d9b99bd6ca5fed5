// The order record store's suite, run against both databases it supports: SQLite (the embedded
// default) and PostgreSQL (DATABASE_URL), the latter a real throwaway cluster (test/helpers/postgres.ts).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { sql, type Migration } from 'kysely';
import pg from 'pg';
import { ConfigError, loadConfig } from '../src/config';
import { OperationError } from '../src/operations/errors';
import { refusalsFromStore } from '../src/operations/refusals';
import { MigrationError, SchemaMismatchError, migrateToLatest } from '../src/store/migrate';
import { migrations } from '../src/store/migrations';
import { describeStoreTarget, openStoreDatabase } from '../src/store/open-store-database';
import { mergeOrderRow, type StageRecord } from '../src/store/order-row';
import { defaultOrderStoreFile, openOrderStore, type OrderStore, type ShipmentRecord } from '../src/store/order-store';
import { MIGRATION_LOCK_KEY } from '../src/store/postgres-database';
import type { OrderRow } from '../src/store/schema';
import type { Shipment } from '../workflows/order-status';
import { eventually } from './helpers/ingress';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';

const PROJECT_ROOT = path.join(__dirname, '..');
const execFileAsync = promisify(execFile);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'order-store-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

// One PostgreSQL cluster for the file, started when the first PostgreSQL test needs it; a database per test.
let postgres: Promise<TestPostgres> | undefined;
const testPostgres = (): Promise<TestPostgres> => (postgres ??= startTestPostgres());
after(async () => {
  if (postgres) await (await postgres).stop();
});

let fileCounter = 0;
function freshFile(): string {
  return path.join(tmp, `run-${++fileCounter}`, 'orders.sqlite');
}

interface Backend {
  name: 'SQLite' | 'PostgreSQL';
  /** Where a new, empty store lives: a file path or a postgres:// URL. */
  fresh(): Promise<string>;
}

const backends: Backend[] = [
  { name: 'SQLite', fresh: () => Promise.resolve(freshFile()) },
  { name: 'PostgreSQL', fresh: async () => (await testPostgres()).createDatabase('store') },
];

async function withStore<T>(target: string, fn: (store: OrderStore) => Promise<T>): Promise<T> {
  const store = await openOrderStore(target);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const WF = 'apicbase-order-po-1';

function stage(stageName: string, at: string, extra: Partial<StageRecord> = {}): StageRecord {
  return {
    workflowId: WF,
    apicbaseId: 'po-1',
    orderNumber: 'PO-1',
    customerNumber: 'CUST-001',
    stage: stageName,
    at,
    ...extra,
  };
}

const dhl: ShipmentRecord = {
  carrierLabel: 'dhl',
  carrierName: 'Deutsche Post DHL',
  trackingCode: '12345678901234567C',
  traceUrl: 'http://nolp.dhl.de/?idc=12345678901234567C',
  sentAt: '2024-03-02 12:34:56',
};
const ups: ShipmentRecord = {
  carrierLabel: 'ups',
  carrierName: null,
  trackingCode: '1Z999',
  traceUrl: null,
  sentAt: '2024-03-02 08:00:00',
};

for (const backend of backends) {
  void describe(`order store on ${backend.name}: migrations`, () => {
    void test('migrates a new store once; a second run applies nothing; reopening works', async () => {
      const target = await backend.fresh();
      const { db, inMigrationTransaction } = openStoreDatabase(target);
      try {
        assert.deepEqual(await inMigrationTransaction((conn) => migrateToLatest(conn)), [
          '001-create-order-tables',
          '002-create-refusals',
        ]);
        assert.deepEqual(await inMigrationTransaction((conn) => migrateToLatest(conn)), []);
      } finally {
        await db.destroy();
      }
      await withStore(target, async (store) => assert.equal(await store.getOrder(WF), undefined));
      await withStore(target, async (store) => assert.equal(await store.getOrder(WF), undefined));
    });

    void test('one process may open the same store twice at once, and write one order through both concurrently', async () => {
      const target = await backend.fresh();
      const [a, b] = await Promise.all([openOrderStore(target), openOrderStore(target)]);
      try {
        const minutes = Array.from({ length: 20 }, (_, i) => i);
        await Promise.all(
          minutes.map((m) =>
            (m % 2 ? a : b).recordStage(
              stage(
                m % 2 ? 'WAITING_FOR_SHIPMENT' : 'NEEDS_ATTENTION',
                `2024-03-01T10:${String(m).padStart(2, '0')}:00Z`,
              ),
            ),
          ),
        );
        const order = await a.getOrder(WF);
        assert.equal(order?.stages.length, 20);
        assert.equal(order?.stage, 'WAITING_FOR_SHIPMENT'); // minute 19 is the latest
      } finally {
        await a.close();
        await b.close();
      }
    });

    void test('concurrent writes through one store (parallel activities) all land', async () => {
      await withStore(await backend.fresh(), async (store) => {
        const ids = Array.from({ length: 25 }, (_, i) => `wf-${i}`);
        await Promise.all(
          ids.flatMap((id) => [
            store.recordStage({ ...stage('RECEIVED', '2024-03-01T09:00:00Z'), workflowId: id }),
            store.recordStage({
              ...stage('INJECTED', '2024-03-01T09:01:00Z', { hublifyOrderId: `H-${id}` }),
              workflowId: id,
            }),
            store.recordShipments(id, [{ ...ups, trackingCode: `T-${id}` }]),
          ]),
        );
        for (const id of ids) {
          const order = await store.getOrder(id);
          assert.deepEqual(
            [order?.stage, order?.hublifyOrderId, order?.stages.length, order?.shipments.length],
            ['INJECTED', `H-${id}`, 2, 1],
            id,
          );
        }
      });
    });

    void test('processes starting together on a new store do not race the migrations', async () => {
      const target = await backend.fresh();
      const child = path.join(tmp, 'open-and-record.ts');
      writeFileSync(
        child,
        `import { openOrderStore } from ${JSON.stringify(path.join(PROJECT_ROOT, 'src', 'store', 'order-store'))};
        const [target, id] = process.argv.slice(2);
        void (async () => {
          const store = await openOrderStore(target!);
          await store.recordStage({ workflowId: id!, apicbaseId: id!, orderNumber: id!, customerNumber: 'C', stage: 'RECEIVED', at: new Date().toISOString() });
          await store.close();
        })().catch((err: unknown) => { console.error(err); process.exit(1); });`,
      );
      const ids = ['p1', 'p2', 'p3', 'p4'];
      await Promise.all(
        ids.map((id) => execFileAsync(process.execPath, ['--import', 'tsx', child, target, id], { cwd: PROJECT_ROOT })),
      );
      await withStore(target, async (store) => {
        for (const id of ids) assert.equal((await store.getOrder(id))?.stage, 'RECEIVED', id);
      });
    });

    void test('a failing migration leaves nothing half-applied', async () => {
      const target = await backend.fresh();
      const { db, inMigrationTransaction } = openStoreDatabase(target);
      try {
        const failing = { up: () => Promise.reject(new Error('boom')) };
        await assert.rejects(
          inMigrationTransaction((conn) => migrateToLatest(conn, { ...migrations, '002-broken': failing })),
          (err: unknown) => err instanceof MigrationError && /002-broken failed: boom/.test(err.message),
        );
        const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
        assert.deepEqual(
          tables.map((t) => t.name),
          [],
        );
        // And the store is still usable afterwards.
        assert.deepEqual(await inMigrationTransaction((conn) => migrateToLatest(conn)), [
          '001-create-order-tables',
          '002-create-refusals',
        ]);
      } finally {
        await db.destroy();
      }
    });
  });

  void describe(`order store on ${backend.name}: opened without migrating (the CLI)`, () => {
    /** A store migrated with just these migrations, as a relay of another version leaves it. */
    async function storeWith(available: Record<string, Migration>): Promise<string> {
      const target = await backend.fresh();
      const { db, inMigrationTransaction } = openStoreDatabase(target);
      try {
        await inMigrationTransaction((conn) => migrateToLatest(conn, available));
      } finally {
        await db.destroy();
      }
      return target;
    }
    /** The migrations the store has run, read without this code's Migrator. */
    async function executed(target: string): Promise<string[]> {
      const { db } = openStoreDatabase(target);
      try {
        const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
        return rows.map((r) => r.name);
      } finally {
        await db.destroy();
      }
    }

    void test("an older relay's store is refused, naming what it lacks, and left unmigrated", async () => {
      const target = await storeWith({ '001-create-order-tables': migrations['001-create-order-tables']! });
      await assert.rejects(
        openOrderStore(target, { migrate: false }),
        (err: unknown) =>
          err instanceof SchemaMismatchError &&
          /lacks 002-create-refusals: an older relay's store/.test(err.message) &&
          /never migrates/.test(err.message),
      );
      assert.deepEqual(await executed(target), ['001-create-order-tables']);
    });

    void test("the CLI's way to the store (refusalsFromStore) refuses an older relay's store with a clear error", async () => {
      const target = await storeWith({ '001-create-order-tables': migrations['001-create-order-tables']! });
      const refusals = refusalsFromStore(
        backend.name === 'SQLite' ? { DATA_DIR: path.dirname(target) } : { DATABASE_URL: target, DATA_DIR: tmp },
      );
      try {
        await assert.rejects(
          refusals.listRefusals({ limit: 10 }),
          (err: unknown) =>
            err instanceof OperationError &&
            err.message.startsWith(
              `cannot read refused orders from the order store at ${describeStoreTarget(target)}: ` +
                "the order store's schema is not this order-relay's: it lacks 002-create-refusals",
            ),
        );
      } finally {
        await refusals.close();
      }
      assert.deepEqual(await executed(target), ['001-create-order-tables']);
    });

    void test("a newer relay's store is refused, naming the migration unknown here", async () => {
      const target = await storeWith({ ...migrations, '999-from-a-newer-relay': { up: () => Promise.resolve() } });
      await assert.rejects(
        openOrderStore(target, { migrate: false }),
        (err: unknown) =>
          err instanceof SchemaMismatchError &&
          /has 999-from-a-newer-relay, unknown here: a newer relay's store/.test(err.message),
      );
      assert.deepEqual(await executed(target), [...Object.keys(migrations), '999-from-a-newer-relay']);
    });

    void test('a store at this schema opens and reads', async () => {
      const target = await storeWith(migrations);
      const store = await openOrderStore(target, { migrate: false });
      try {
        assert.equal(await store.getOrder(WF), undefined);
        assert.deepEqual(await store.listRefusals({ limit: 10 }), []);
      } finally {
        await store.close();
      }
    });
  });

  void describe(`order store on ${backend.name}: recordStage`, () => {
    void test('records the order row and its stage history', async () => {
      await withStore(await backend.fresh(), async (store) => {
        await store.recordStage(stage('RECEIVED', '2024-03-01T09:30:00.000Z', { detail: 'from webhook' }));
        await store.recordStage(stage('VERIFIED', '2024-03-01T09:30:01.000Z', { detail: null }));
        await store.recordStage(
          stage('INJECTED', '2024-03-01T09:30:02.000Z', {
            hublifyOrderId: 'ACHN-1',
            hublifyState: 'received',
            detail: 'Hublify order ACHN-1',
          }),
        );
        assert.deepEqual(await store.getOrder(WF), {
          workflowId: WF,
          apicbaseId: 'po-1',
          orderNumber: 'PO-1',
          customerNumber: 'CUST-001',
          hublifyOrderId: 'ACHN-1',
          hublifyState: 'received',
          stage: 'INJECTED',
          updatedAt: '2024-03-01T09:30:02.000Z',
          stages: [
            { stage: 'RECEIVED', at: '2024-03-01T09:30:00.000Z', detail: 'from webhook' },
            { stage: 'VERIFIED', at: '2024-03-01T09:30:01.000Z', detail: null },
            { stage: 'INJECTED', at: '2024-03-01T09:30:02.000Z', detail: 'Hublify order ACHN-1' },
          ],
          shipments: [],
        });
      });
    });

    void test('is idempotent: a retried write leaves the same rows', async () => {
      await withStore(await backend.fresh(), async (store) => {
        const writes = [
          stage('RECEIVED', '2024-03-01T09:30:00.000Z', { detail: 'from pull' }),
          stage('INJECTED', '2024-03-01T09:31:00.000Z', { hublifyOrderId: 'ACHN-1', hublifyState: 'received' }),
        ];
        for (const w of writes) await store.recordStage(w);
        const once = await store.getOrder(WF);
        for (const w of writes) await store.recordStage(w);
        await store.recordStage(writes[0]!); // an old attempt finishing late
        assert.deepEqual(await store.getOrder(WF), once);
        assert.equal(once?.stages.length, 2);
        assert.equal(once?.stage, 'INJECTED');
      });
    });

    void test('the same instant written differently is the same stage change', async () => {
      await withStore(await backend.fresh(), async (store) => {
        await store.recordStage(stage('RECEIVED', '2024-03-01T10:30:00+01:00'));
        await store.recordStage(stage('RECEIVED', '2024-03-01T09:30:00.000Z'));
        assert.deepEqual((await store.getOrder(WF))?.stages, [
          { stage: 'RECEIVED', at: '2024-03-01T09:30:00.000Z', detail: null },
        ]);
      });
    });

    void test('history is in time order, ties in recording order; the row keeps the latest stage', async () => {
      await withStore(await backend.fresh(), async (store) => {
        await store.recordStage(stage('WAITING_FOR_SHIPMENT', '2024-03-01T10:00:00.000Z', { detail: 'first poll' }));
        await store.recordStage(stage('RECEIVED', '2024-03-01T09:00:00.000Z')); // arrives late
        await store.recordStage(
          stage('WAITING_FOR_SHIPMENT', '2024-03-01T11:00:00.000Z', { detail: 'Hublify state picking' }),
        );
        await store.recordStage(
          stage('NEEDS_ATTENTION', '2024-03-01T11:00:00.000Z', { detail: 'same instant, recorded second' }),
        );
        const order = await store.getOrder(WF);
        assert.deepEqual(
          order?.stages.map((s) => [s.stage, s.at.slice(11, 16), s.detail]),
          [
            ['RECEIVED', '09:00', null],
            ['WAITING_FOR_SHIPMENT', '10:00', 'first poll'],
            ['WAITING_FOR_SHIPMENT', '11:00', 'Hublify state picking'],
            ['NEEDS_ATTENTION', '11:00', 'same instant, recorded second'],
          ],
        );
        assert.equal(order?.stage, 'NEEDS_ATTENTION');
        assert.equal(order?.updatedAt, '2024-03-01T11:00:00.000Z');
      });
    });

    void test('a known Hublify order id is not erased by later records without one', async () => {
      await withStore(await backend.fresh(), async (store) => {
        await store.recordStage(
          stage('INJECTED', '2024-03-01T09:31:00Z', { hublifyOrderId: 'ACHN-7', hublifyState: 'received' }),
        );
        await store.recordStage(
          stage('NEEDS_ATTENTION', '2024-03-01T09:32:00Z', { hublifyOrderId: null, hublifyState: null }),
        );
        await store.recordStage(stage('SHIPPED', '2024-03-01T09:33:00Z', { hublifyState: 'shipped' }));
        const order = await store.getOrder(WF);
        assert.equal(order?.hublifyOrderId, 'ACHN-7');
        assert.equal(order?.hublifyState, 'shipped');
      });
    });

    void test('refuses a time that is not an ISO instant', async () => {
      await withStore(await backend.fresh(), async (store) => {
        await assert.rejects(store.recordStage(stage('RECEIVED', 'not a time')), RangeError);
        assert.equal(await store.getOrder(WF), undefined);
      });
    });

    void test('keeps orders apart', async () => {
      await withStore(await backend.fresh(), async (store) => {
        await store.recordStage(stage('RECEIVED', '2024-03-01T09:00:00Z'));
        await store.recordStage({
          ...stage('REJECTED', '2024-03-01T09:00:00Z'),
          workflowId: 'apicbase-order-po-2',
          apicbaseId: 'po-2',
        });
        assert.equal((await store.getOrder(WF))?.stage, 'RECEIVED');
        assert.equal((await store.getOrder('apicbase-order-po-2'))?.stage, 'REJECTED');
        assert.equal(await store.getOrder('apicbase-order-po-3'), undefined);
      });
    });
  });

  void describe(`order store on ${backend.name}: recordShipments`, () => {
    void test('records shipments idempotently, sorted by sending time', async () => {
      await withStore(await backend.fresh(), async (store) => {
        await store.recordStage(stage('WAITING_FOR_SHIPMENT', '2024-03-01T09:00:00Z'));
        await store.recordShipments(WF, [dhl, ups]);
        await store.recordShipments(WF, [dhl, ups]);
        await store.recordShipments(WF, [ups]);
        await store.recordShipments(WF, []);
        assert.deepEqual((await store.getOrder(WF))?.shipments, [ups, dhl]);
      });
    });

    void test('a repeated tracking code updates the shipment; missing details do not erase known ones', async () => {
      await withStore(await backend.fresh(), async (store) => {
        await store.recordStage(stage('SHIPPED', '2024-03-01T09:00:00Z'));
        await store.recordShipments(WF, [ups]);
        await store.recordShipments(WF, [
          { ...ups, carrierName: 'UPS', traceUrl: 'https://ups.example/1Z999', sentAt: null },
        ]);
        await store.recordShipments(WF, [
          { ...ups, carrierLabel: null, carrierName: null, traceUrl: null, sentAt: null },
        ]);
        assert.deepEqual((await store.getOrder(WF))?.shipments, [
          { ...ups, carrierName: 'UPS', traceUrl: 'https://ups.example/1Z999' },
        ]);
      });
    });

    void test("takes the workflow's Shipment type, duplicates in one call included; unknown sending time sorts last", async () => {
      await withStore(await backend.fresh(), async (store) => {
        await store.recordStage(stage('SHIPPED', '2024-03-01T09:00:00Z'));
        const fromWorkflow: Shipment[] = [{ ...dhl, sentAt: null }, ups, ups];
        await store.recordShipments(WF, fromWorkflow);
        assert.deepEqual((await store.getOrder(WF))?.shipments, [ups, { ...dhl, sentAt: null }]);
      });
    });
  });

  void describe(`order store on ${backend.name}: refusals`, () => {
    void test('every refusal is kept, found by order number or Apicbase id, listed newest first; at most 20 reasons, paths and codes only', async () => {
      await withStore(await backend.fresh(), async (store) => {
        const many = Array.from({ length: 30 }, (_, i) => ({
          path: `packages[${i}].${'x'.repeat(300)}`,
          code: 'not_decimal',
          value: 'leaked?',
        }));
        await store.recordRefusal({
          orderNumber: 'PO-R1',
          apicbaseId: 'id-r1',
          refusedAt: '2024-03-01T10:00:00+01:00',
          workflowId: null,
          reasons: [{ path: 'supplier_customer_number', code: 'unknown_customer' }],
        });
        await store.recordRefusal({
          orderNumber: 'PO-R1',
          apicbaseId: 'id-r1',
          refusedAt: '2024-03-01T09:30:00Z',
          workflowId: 'apicbase-order-id-r1',
          reasons: many,
        });
        await store.recordRefusal({
          orderNumber: null,
          apicbaseId: null,
          refusedAt: '2024-03-02T09:00:00Z',
          workflowId: null,
          reasons: [{ path: 'packages', code: 'invalid_type' }],
        });

        const found = await store.findRefusals('PO-R1');
        assert.deepEqual(
          found.map((r) => [r.refusedAt, r.workflowId]),
          [
            ['2024-03-01T09:30:00.000Z', 'apicbase-order-id-r1'],
            ['2024-03-01T09:00:00.000Z', null],
          ],
        );
        assert.deepEqual(await store.findRefusals('id-r1'), found);
        assert.equal(found[0]!.reasons.length, 20);
        assert.deepEqual(found[0]!.reasons[0], {
          path: `packages[0].${'x'.repeat(300)}`.slice(0, 200),
          code: 'not_decimal',
        });
        assert.deepEqual(await store.findRefusals('PO-NONE'), []);

        const withoutWorkflow = await store.listRefusals({ withoutWorkflow: true, limit: 10 });
        assert.deepEqual(
          withoutWorkflow.map((r) => r.orderNumber),
          [null, 'PO-R1'],
        );
        assert.deepEqual(
          (await store.listRefusals({ since: new Date('2024-03-01T09:15:00Z'), limit: 10 })).map((r) => r.refusedAt),
          ['2024-03-02T09:00:00.000Z', '2024-03-01T09:30:00.000Z'],
        );
        assert.equal((await store.listRefusals({ limit: 1 })).length, 1);
      });
    });
  });

  void describe(`order store on ${backend.name}: persistence`, () => {
    void test('reopening after close keeps every row', async () => {
      const target = await backend.fresh();
      const before = await withStore(target, async (store) => {
        await store.recordStage(
          stage('RECEIVED', '2024-03-01T09:00:00Z', { detail: 'Bestellung für Müller – 寿司米' }),
        );
        await store.recordStage(
          stage('SHIPPED', '2024-03-02T09:00:00Z', { hublifyOrderId: 'ACHN-9', hublifyState: 'shipped' }),
        );
        await store.recordShipments(WF, [dhl]);
        return store.getOrder(WF);
      });
      const reopened = await withStore(target, (store) => store.getOrder(WF));
      assert.ok(before);
      assert.deepEqual(reopened, before);
    });

    void test('close may be called twice', async () => {
      const store = await openOrderStore(await backend.fresh());
      await store.close();
      await store.close();
    });
  });
}

void describe('order store on SQLite only', () => {
  void test('creates the file and its folder', async () => {
    const file = freshFile();
    await withStore(file, () => Promise.resolve());
    assert.ok(existsSync(file));
  });

  void test('the default file is orders.sqlite in the data folder', () => {
    assert.equal(defaultOrderStoreFile('/var/lib/order-relay'), path.join('/var/lib/order-relay', 'orders.sqlite'));
  });

  void test("':memory:' works", async () => {
    await withStore(':memory:', async (store) => {
      await store.recordStage(stage('RECEIVED', '2024-03-01T09:30:00Z'));
      assert.equal((await store.getOrder(WF))?.stages.length, 1);
    });
  });
});

void describe('order store on PostgreSQL only', () => {
  void test('DATABASE_URL must be a postgres:// URL, and may come from a file (it holds a password)', () => {
    assert.throws(
      () => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@db/orders' }),
      (err: unknown) =>
        err instanceof ConfigError &&
        /DATABASE_URL: must be a postgres:\/\//.test(err.message) &&
        !err.message.includes('hunter2'),
    );
    const file = path.join(tmp, 'database-url');
    writeFileSync(file, 'postgresql://u:p@db:5432/orders\n');
    assert.equal(loadConfig({ DATABASE_URL_FILE: file }).DATABASE_URL, 'postgresql://u:p@db:5432/orders');
    assert.equal(loadConfig({}).DATABASE_URL, undefined);
  });

  void test('a process opening a new store waits while another holds the migration lock, then finds the tables', async () => {
    const target = await (await testPostgres()).createDatabase('lock');
    const holder = new pg.Client({ connectionString: target });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
      let opened = false;
      const opening = openOrderStore(target).then((store) => {
        opened = true;
        return store;
      });
      // The opener is queued on the lock (seen by the database), and has migrated nothing meanwhile.
      await eventually(async () => {
        const { rows } = await holder.query<{ waiting: number }>(
          "select count(*)::int as waiting from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())",
        );
        assert.equal(rows[0]?.waiting, 1);
      }, 60_000);
      assert.equal(opened, false);
      const { rows } = await holder.query<{ tables: number }>(
        "select count(*)::int as tables from information_schema.tables where table_schema = 'public'",
      );
      assert.equal(rows[0]?.tables, 0);
      await holder.query('commit');
      const store = await opening;
      try {
        await store.recordStage(stage('RECEIVED', '2024-03-01T09:00:00Z'));
        assert.equal((await store.getOrder(WF))?.stage, 'RECEIVED');
      } finally {
        await store.close();
      }
    } finally {
      await holder.end();
    }
  });

  void test('two stores on one database share the rows (the point of DATABASE_URL)', async () => {
    const target = await (await testPostgres()).createDatabase('shared');
    await withStore(target, (a) =>
      a.recordStage(stage('INJECTED', '2024-03-01T09:00:00Z', { hublifyOrderId: 'ACHN-3' })),
    );
    await withStore(target, async (b) => assert.equal((await b.getOrder(WF))?.hublifyOrderId, 'ACHN-3'));
  });

  void test('a wrong password fails at open with the URL minus its password', async () => {
    const server = await testPostgres();
    const target = server.url().replace(server.password, 'not-the-password');
    await assert.rejects(openOrderStore(target), (err: Error) => {
      assert.match(
        err.message,
        /cannot open the order store at postgres:\/\/relay:\*\*\*@127\.0\.0\.1:\d+\/postgres: .*password authentication failed/,
      );
      assert.doesNotMatch(err.message, /not-the-password/);
      return true;
    });
    assert.equal(describeStoreTarget('postgres://u:secret@db:5432/orders'), 'postgres://u:***@db:5432/orders');
  });
});

void describe('mergeOrderRow', () => {
  const existing: OrderRow = {
    workflow_id: WF,
    apicbase_id: 'po-1',
    order_number: 'PO-1',
    customer_number: 'CUST-001',
    hublify_order_id: 'ACHN-1',
    hublify_state: 'received',
    stage: 'WAITING_FOR_SHIPMENT',
    updated_at: '2024-03-01T10:00:00.000Z',
  };
  const cases: { name: string; existing?: OrderRow; record: StageRecord; expect: Partial<OrderRow> }[] = [
    {
      name: 'first record creates the row',
      record: stage('RECEIVED', '2024-03-01T09:00:00.000Z'),
      expect: {
        stage: 'RECEIVED',
        updated_at: '2024-03-01T09:00:00.000Z',
        hublify_order_id: null,
        hublify_state: null,
      },
    },
    {
      name: 'a newer record moves the stage and state on',
      existing,
      record: stage('SHIPPED', '2024-03-01T11:00:00.000Z', { hublifyState: 'shipped' }),
      expect: {
        stage: 'SHIPPED',
        updated_at: '2024-03-01T11:00:00.000Z',
        hublify_order_id: 'ACHN-1',
        hublify_state: 'shipped',
      },
    },
    {
      name: 'an older record changes nothing it does not add',
      existing,
      record: stage('INJECTED', '2024-03-01T09:00:00.000Z', { hublifyOrderId: 'ACHN-1', hublifyState: 'new' }),
      expect: { stage: 'WAITING_FOR_SHIPMENT', updated_at: '2024-03-01T10:00:00.000Z', hublify_state: 'received' },
    },
    {
      name: 'an older record may still fill in a missing Hublify id and state',
      existing: { ...existing, hublify_order_id: null, hublify_state: null },
      record: stage('INJECTED', '2024-03-01T09:00:00.000Z', { hublifyOrderId: 'ACHN-2', hublifyState: 'received' }),
      expect: { stage: 'WAITING_FOR_SHIPMENT', hublify_order_id: 'ACHN-2', hublify_state: 'received' },
    },
    {
      name: 'the same instant counts as latest (a retry rewrites identical values)',
      existing,
      record: stage('WAITING_FOR_SHIPMENT', '2024-03-01T10:00:00.000Z', {
        hublifyOrderId: 'ACHN-1',
        hublifyState: 'received',
      }),
      expect: existing,
    },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      const row = mergeOrderRow(c.existing, c.record);
      for (const [key, value] of Object.entries(c.expect)) assert.equal(row[key as keyof OrderRow], value, key);
    });
  }
});
