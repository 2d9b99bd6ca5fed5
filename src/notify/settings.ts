// The notification activities' settings, from the configuration (one place for the worker and tests).
import type { Logger } from 'pino';
import type { CustomerEmailSettings } from '../../activities/email-customer';
import type { SupportNotifySettings } from '../../activities/notify-support';
import type { Config } from '../config';
import { webUiBaseUrl } from '../operations/context';

export function supportNotifySettings(config: Config, logger?: Logger): SupportNotifySettings {
  return {
    webhookUrl: config.NOTIFY_WEBHOOK_URL,
    format: config.NOTIFY_FORMAT,
    webUiBaseUrl: webUiBaseUrl(config),
    namespace: config.TEMPORAL_NAMESPACE,
    timeoutMs: config.NOTIFY_TIMEOUT_MS,
    ...(logger ? { logger } : {}),
  };
}

export function customerEmailSettings(config: Config, logger?: Logger): CustomerEmailSettings {
  return {
    smtpUrl: config.SMTP_URL,
    from: config.SMTP_FROM,
    supplierName: config.SUPPLIER_NAME,
    supplierContact: config.SUPPLIER_CONTACT,
    timeoutMs: config.SMTP_TIMEOUT_MS,
    ...(logger ? { logger } : {}),
  };
}
