// The `npm start` banner's pull-mode lines: how often it polls, how to poll now, and (with the Apicbase
// sandbox) how to place an order that only a poll brings in.
import ms from 'ms';
import type { Config } from '../config';
import { PULL_SCHEDULE_ID } from './schedules';

export function pullBannerLines(config: Config, apicbaseSandboxUrl?: string): string[] {
  if (config.APICBASE_MODE === 'webhook') return [];
  const every = ms(config.APICBASE_POLL_INTERVAL, { long: true });
  const how =
    config.APICBASE_MODE === 'both'
      ? `APICBASE_MODE=both: webhooks, and a poll every ${every} as a safety net`
      : `APICBASE_MODE=pull: polls Apicbase every ${every}`;
  const lines = [`${how}; poll now: npx order-relay temporal schedule trigger --schedule-id ${PULL_SCHEDULE_ID}`];
  if (apicbaseSandboxUrl) {
    lines.push(
      `place an order for pulling: npm run demo -- --via pull   (places it and polls now; or place only: curl -X POST ${apicbaseSandboxUrl}/_sandbox/orders -H 'content-type: application/json' -d '{"delivery":"pull"}')`,
    );
  }
  return lines;
}
