// doctor's view of the notifications: whether support is notified (NOTIFY_WEBHOOK_URL) and customers
// e-mailed (SMTP_URL). Configuration only: doctor sends nothing, and never prints either URL (secrets).
import type { Config } from '../config';

export interface NotificationCheck {
  name: 'support notifications' | 'customer e-mail';
  status: 'ok' | 'skip';
  detail: string;
}

export function notificationChecks(config: Config): NotificationCheck[] {
  return [
    config.NOTIFY_WEBHOOK_URL
      ? {
          name: 'support notifications',
          status: 'ok',
          detail: `NOTIFY_WEBHOOK_URL is set (${config.NOTIFY_FORMAT} format)`,
        }
      : {
          name: 'support notifications',
          status: 'skip',
          detail: 'not configured (NOTIFY_WEBHOOK_URL is not set: support is not notified)',
        },
    config.SMTP_URL
      ? { name: 'customer e-mail', status: 'ok', detail: `SMTP_URL is set (from ${config.SMTP_FROM})` }
      : {
          name: 'customer e-mail',
          status: 'skip',
          detail: 'skipped: SMTP_URL is not set, so customers are not e-mailed when a pulled order cannot be fulfilled',
        },
  ];
}
