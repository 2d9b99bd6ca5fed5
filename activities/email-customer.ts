// emailCustomer: tells the customer location's contact (customer directory `contact.email`) that an
// order cannot be fulfilled, over SMTP (SMTP_URL). Apicbase's guide asks suppliers to tell customers of
// orders rejected after they were taken through the API. Unconfigured SMTP = skipped (logged once;
// `doctor` says so). A temporary SMTP failure throws and Temporal retries; a permanent one does not.
import { ApplicationFailure } from '@temporalio/activity';
import { createTransport, type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import { findCustomer, type CustomerDirectory } from '../src/customers/directory';
import { customerNoticeMessage } from '../src/notify/customer-message';
import type { CustomerNotice } from '../workflows/order-status';

export interface CustomerEmailSettings {
  /** e.g. smtp://user:pass@mail.example.com:587 or smtps://…; unset = no e-mail. A secret (it may hold a password). */
  smtpUrl: string | undefined;
  /** The From: address. */
  from: string;
  /** Signs the mail. */
  supplierName: string;
  /** How the customer reaches the supplier (a line of text: phone, e-mail). */
  supplierContact: string | undefined;
  timeoutMs: number;
  logger?: Logger;
}

interface SmtpError extends Error {
  responseCode?: number;
  code?: string;
}

export function createEmailCustomerActivities(deps: {
  customers: () => CustomerDirectory;
  email?: CustomerEmailSettings;
}) {
  let transport: Transporter | undefined;
  let skipLogged = false;
  return {
    emailCustomer: async (notice: CustomerNotice): Promise<void> => {
      const settings = deps.email;
      if (!settings?.smtpUrl) {
        if (!skipLogged) {
          skipLogged = true;
          settings?.logger?.warn(
            'SMTP_URL is not set: customers are not e-mailed about orders that cannot be fulfilled',
          );
        }
        return;
      }
      const to = findCustomer(deps.customers(), notice.customerNumber)?.contact?.email;
      if (!to) {
        // Nothing to retry: support must tell the customer another way (the failure shows in the Web UI).
        throw ApplicationFailure.nonRetryable(
          `customer ${notice.customerNumber} has no contact.email in the customer directory: the customer was not e-mailed`,
          'CustomerContactMissing',
        );
      }
      transport ??= createTransport({
        url: settings.smtpUrl,
        connectionTimeout: settings.timeoutMs,
        greetingTimeout: settings.timeoutMs,
        socketTimeout: settings.timeoutMs,
      });
      const message = customerNoticeMessage(notice, settings);
      try {
        await transport.sendMail({
          from: settings.from,
          to,
          subject: message.subject,
          text: message.text,
          // The same id on every attempt: a retried send after a lost reply is recognisable as one mail.
          messageId: `<${encodeURIComponent(notice.workflowId)}.not-fulfillable@order-relay>`,
        });
      } catch (err) {
        const e = err as SmtpError;
        // SMTP's reply code or the socket error; never the SMTP URL, which may hold a password.
        const reason = e.responseCode ? `SMTP ${e.responseCode}` : (e.code ?? 'connection failed');
        if (e.responseCode && e.responseCode >= 500) {
          throw ApplicationFailure.nonRetryable(`customer e-mail refused: ${reason}`, 'CustomerEmailRefused');
        }
        throw ApplicationFailure.retryable(`customer e-mail not sent: ${reason}`, 'CustomerEmailUnavailable');
      }
      settings.logger?.info(
        { workflowId: notice.workflowId, customerNumber: notice.customerNumber },
        'customer e-mailed: order cannot be fulfilled',
      );
    },
  };
}
