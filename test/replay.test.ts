// Guards determinism: every recorded history in test/histories must replay on today's workflow code.
// A change that would break running workflows fails here; record new histories (and keep the old
// ones) only together with a versioned (patched) change.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { bundleOrderWorkflows } from '../src/worker/order-worker';

const dir = path.join(__dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
/** Histories recorded before the patch verified-recorded-by-check (the old check path, a second local activity for VERIFIED). */
const BEFORE_CHECK_RECORDS = [
  'v2-amended-during-outage-then-shipped.json',
  'v2-cancel-during-order-create-then-stop-tracking.json',
  'v2-overdue-with-continue-as-new.json',
  'v2-rejected-after-ack-then-cancelled.json',
  'v2-rejected-shown-to-customer.json',
  'v2-shipped-in-two-parts.json',
  'v2-temporal-cancel-while-tracking.json',
];

/** Histories of issue 22 items 4, 6 and 7, with the patch each recorded. */
const CARRY_MARKERS: ReadonlyArray<[string, string]> = [
  ['v2-carry-cancel-during-order-create-stage-recorded-then-shipped.json', 'stage-recorded-despite-cancel'],
  ['v2-carry-continue-as-new-with-pending-push.json', 'pending-poll-carried-across-continue-as-new'],
  ['v2-carry-tracking-goes-on-while-notice-fails-then-shipped.json', 'tracking-goes-on-while-side-steps-run'],
  ['v2-carry-rejection-shown-confirmed-by-webhook.json', 'rejection-shown-confirmed-by-webhook'],
  [
    'v2-carry-rejection-answered-unconfirmed-needs-attention-then-cancelled.json',
    'rejection-shown-confirmed-by-webhook',
  ],
  // Issue 22 I2: a cancel while Hublify cannot be asked changes nothing (unless --stop-tracking).
  ['v2-lost-reply-cancel-unasked-changes-nothing-then-cancel-finds-it.json', 'cancel-unasked-changes-nothing'],
  ['v2-lost-reply-cancel-unasked-then-retry-adopts-then-shipped.json', 'cancel-unasked-changes-nothing'],
  ['v2-lost-reply-cancel-stop-tracking-while-hublify-cannot-be-asked.json', 'cancel-unasked-changes-nothing'],
  // Issue 22 I8: a final stage's record is a remote activity.
  ['v2-final-stage-recorded-by-activity-shipped.json', 'final-stage-recorded-by-activity'],
  ['v2-final-stage-recorded-by-activity-stop-tracking-racing-shipment.json', 'final-stage-recorded-by-activity'],
];

void describe('replay of recorded histories', () => {
  const bundle = bundleOrderWorkflows();

  void it('has recorded histories to replay', () => {
    assert.ok(files.length >= 5, `found ${files.length}`);
  });

  void it('the continue-as-new history really continues as new, and each history carries the patch markers of its version', () => {
    interface Event {
      eventType: string;
      activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
      markerRecordedEventAttributes?: {
        markerName?: string;
        details?: Record<string, { payloads?: { data?: string }[] }>;
      };
    }
    const events = (file: string) =>
      (JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { events: Event[] }).events;
    const patches = (file: string) =>
      events(file)
        .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
        .flatMap((e) => Object.values(e.markerRecordedEventAttributes?.details ?? {}).flatMap((d) => d.payloads ?? []))
        .map((p) => (JSON.parse(Buffer.from(p.data ?? '', 'base64').toString('utf8')) as { id?: string }).id);
    const continued = files.filter((f) => f.includes('continue-as-new'));
    assert.ok(continued.length >= 1);
    for (const file of continued) {
      assert.ok(
        events(file).some((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW'),
        `${file} has a WorkflowExecutionContinuedAsNew event`,
      );
    }
    const v2 = files.filter((f) => f.startsWith('v2-'));
    assert.ok(v2.length >= 5, `v2 histories: ${v2.length}`);
    for (const file of v2)
      assert.ok(patches(file).includes('order-workflow-v2'), `${file} carries the order-workflow-v2 marker`);
    for (const file of files.filter(
      (f) => !f.startsWith('v2-') && !f.startsWith('pull') && !f.startsWith('reconcile'),
    )) {
      assert.ok(!patches(file).includes('order-workflow-v2'), `${file} is a run from before v2`);
    }
    // verified-recorded-by-check: old runs replay on the path with a second local activity for VERIFIED.
    const checkRecords = files.filter((f) => f.includes('verified-recorded-by-check'));
    assert.ok(checkRecords.length >= 1);
    for (const file of checkRecords)
      assert.ok(patches(file).includes('verified-recorded-by-check'), `${file}: the verified-recorded-by-check marker`);
    // Recorded before that patch: they replay the old path, so they must not carry its marker.
    for (const file of BEFORE_CHECK_RECORDS)
      assert.ok(
        files.includes(file) && !patches(file).includes('verified-recorded-by-check'),
        `${file}: recorded before verified-recorded-by-check`,
      );
    // stopped-attempt-lookup-waits-for-support: a history of that path carries its marker.
    const waitsForSupport = files.filter((f) => f.includes('waits-for-support'));
    assert.ok(waitsForSupport.length >= 1);
    for (const file of waitsForSupport)
      assert.ok(
        patches(file).includes('stopped-attempt-lookup-waits-for-support'),
        `${file}: the stopped-attempt-lookup-waits-for-support marker`,
      );
    // Issue 22 items 4, 6, 7 (helper carry): each path's history carries its patch's marker.
    for (const [name, marker] of CARRY_MARKERS) {
      assert.ok(files.includes(name), `${name} is recorded`);
      assert.ok(patches(name).includes(marker), `${name}: the ${marker} marker`);
    }
    // final-stage-recorded-by-activity: the final stage's record is a scheduled (remote) activity.
    for (const file of files.filter((f) => f.startsWith('v2-final-stage-recorded-by-activity'))) {
      const scheduled = events(file).filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordStage',
      );
      assert.equal(scheduled.length, 1, `${file}: one recordStage activity (the final stage)`);
    }
    // sweep-data-spares-order-get: the push (state only) polled order_get, the sweep's row did not.
    const sweepData = files.filter((f) => f.includes('sweep-data'));
    assert.ok(sweepData.length >= 1);
    for (const file of sweepData) {
      assert.ok(
        patches(file).includes('sweep-data-spares-order-get'),
        `${file}: the sweep-data-spares-order-get marker`,
      );
      const polls = events(file).filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'findHublifyOrder',
      );
      assert.equal(polls.length, 1, `${file}: one order_get (the push's), none for the sweep's data`);
    }
    // open-corrections-keep-attention: the recordings of its paths (issue 22.3) carry its marker.
    const openCorrections = files.filter((f) =>
      /refused-kept-needs-attention|correction-refused-after|pending-named/.test(f),
    );
    assert.equal(openCorrections.length, 3);
    for (const file of openCorrections)
      assert.ok(patches(file).includes('open-corrections-keep-attention'), `${file}: the open-corrections marker`);
  });

  for (const file of files) {
    void it(`replays ${file}`, async () => {
      const history: unknown = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
      await Worker.runReplayHistory({ workflowBundle: await bundle, replayName: file }, history);
    });
  }
});
