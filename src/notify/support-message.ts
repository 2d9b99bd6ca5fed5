// What a support notice says. Ids, stage, failure type and the Web UI link only: the text goes to a
// chat channel, so it must carry no names, addresses or Hublify message texts.
import { workflowUiLink } from '../ingress/web-ui-link';
import type { SupportNotice } from '../../workflows/order-status';

export const NOTIFY_FORMATS = ['slack', 'json'] as const;
export type NotifyFormat = (typeof NOTIFY_FORMATS)[number];

const STAGE_WORDS: Partial<Record<SupportNotice['stage'], string>> = {
  NEEDS_ATTENTION: 'needs attention',
  OVERDUE: 'is overdue',
  TIMED_OUT: 'timed out (not shipped within the tracking limit)',
  REJECTED: 'was rejected',
};

/** The JSON event (NOTIFY_FORMAT=json). */
export interface SupportNoticeEvent {
  event: 'order.support_notice';
  workflowId: string;
  orderNumber: string;
  customerNumber: string;
  stage: string;
  failureType: string | null;
  rejectedAfterAck: boolean;
  webUi: string | null;
}

export function supportNoticeEvent(
  notice: SupportNotice,
  where: { webUiBaseUrl: string | undefined; namespace: string },
): SupportNoticeEvent {
  return {
    event: 'order.support_notice',
    workflowId: notice.workflowId,
    orderNumber: notice.orderNumber,
    customerNumber: notice.customerNumber,
    stage: notice.stage,
    failureType: notice.failureType,
    rejectedAfterAck: notice.rejectedAfterAck ?? false,
    webUi: workflowUiLink(where.webUiBaseUrl, where.namespace, notice.workflowId) ?? null,
  };
}

/**
 * Text as Slack's mrkdwn shows it literally: `&`, `<` and `>` are its control characters (`<!channel>`
 * pings everyone, `<url|label>` is a link), so they are escaped as Slack's formatting rules say.
 */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * One line a person reads in Slack (mrkdwn link syntax `<url|label>`). Every value that comes from an
 * order (order and customer numbers, the workflow id made of its id) is escaped, so a customer's
 * order number cannot ping a channel or disguise a link; the Web UI link's path segments are
 * URL-encoded (src/ingress/web-ui-link.ts).
 */
export function supportNoticeText(event: SupportNoticeEvent): string {
  const what = STAGE_WORDS[event.stage as SupportNotice['stage']] ?? `is ${slackEscape(event.stage)}`;
  const after = event.rejectedAfterAck ? ' after Apicbase was told it was accepted' : '';
  const failure = event.failureType ? ` — failure type ${slackEscape(event.failureType)}` : '';
  const link = event.webUi ? ` <${event.webUi}|open in Temporal>` : ` (workflow ${slackEscape(event.workflowId)})`;
  return `Order ${slackEscape(event.orderNumber)} (customer ${slackEscape(event.customerNumber)}) ${what}${after}: stage ${slackEscape(event.stage)}${failure}.${link}`;
}

export function supportNoticeBody(
  notice: SupportNotice,
  settings: { format: NotifyFormat; webUiBaseUrl: string | undefined; namespace: string },
): SupportNoticeEvent | { text: string } {
  const event = supportNoticeEvent(notice, settings);
  return settings.format === 'json' ? event : { text: supportNoticeText(event) };
}
