// notifySupport: tells support that an order needs them (NEEDS_ATTENTION, OVERDUE, TIMED_OUT, rejected
// after its 2xx) by a POST to NOTIFY_WEBHOOK_URL. Slack-compatible {"text": …} by default, a plain JSON
// event with NOTIFY_FORMAT=json. The message carries ids, stage, failure type and the Web UI link only:
// never names, addresses or Hublify's message texts. A failed POST throws, so Temporal retries it.
import { ApplicationFailure } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { SupportNotice } from '../workflows/order-status';
import { supportNoticeBody, type NotifyFormat } from '../src/notify/support-message';

export interface SupportNotifySettings {
  /** Unset: notices are skipped (logged once). A secret: Slack's URL carries its token; never logged. */
  webhookUrl: string | undefined;
  format: NotifyFormat;
  /** Base of the Temporal Web UI links; undefined = no link. */
  webUiBaseUrl: string | undefined;
  namespace: string;
  timeoutMs: number;
  logger?: Logger;
}

/** HTTP statuses worth retrying; any other 4xx means the request itself is wrong (bad URL, revoked hook). */
const RETRYABLE_4XX = new Set([408, 409, 425, 429]);

export function createNotifySupportActivities(deps: { notify?: SupportNotifySettings }) {
  let skipLogged = false;
  return {
    notifySupport: async (notice: SupportNotice): Promise<void> => {
      const settings = deps.notify;
      if (!settings?.webhookUrl) {
        if (!skipLogged) {
          skipLogged = true;
          settings?.logger?.info('NOTIFY_WEBHOOK_URL is not set: support notifications are not sent');
        }
        return;
      }
      const body = supportNoticeBody(notice, settings);
      let response: Response;
      try {
        response = await fetch(settings.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(settings.timeoutMs),
        });
      } catch (err) {
        // The reason only: the URL is a secret.
        const reason =
          err instanceof Error
            ? err.name === 'TimeoutError'
              ? 'timed out'
              : ((err.cause as Error | undefined)?.message ?? err.message)
            : String(err);
        throw ApplicationFailure.retryable(`support notification not delivered: ${reason}`, 'NotifyUnavailable');
      }
      // Drain the body so the connection is released.
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) {
        settings.logger?.info({ workflowId: notice.workflowId, stage: notice.stage }, 'support notified');
        return;
      }
      const message = `support notification refused: HTTP ${response.status}`;
      if (response.status >= 400 && response.status < 500 && !RETRYABLE_4XX.has(response.status)) {
        throw ApplicationFailure.nonRetryable(message, 'NotifyRefused');
      }
      throw ApplicationFailure.retryable(message, 'NotifyUnavailable');
    },
  };
}
