// What the customer is told when their order cannot be fulfilled: the order number, the reasons in
// plain words and who to contact at the supplier. Plain text, so every mail client shows it alike.
import type { CustomerNotice } from '../../workflows/order-status';

export interface CustomerMessage {
  subject: string;
  text: string;
}

export function customerNoticeMessage(
  notice: CustomerNotice,
  opts: { supplierName: string; supplierContact: string | undefined },
): CustomerMessage {
  const reasons = notice.reasons.length ? notice.reasons : ['the order could not be processed'];
  const lines = [
    'Hello,',
    '',
    `we cannot fulfil your order ${notice.orderNumber} (customer number ${notice.customerNumber}).`,
    '',
    reasons.length === 1 ? 'The reason:' : 'The reasons:',
    ...reasons.map((r) => `  - ${r}`),
    '',
    'Nothing of this order will be delivered. Please correct it and place it again in Apicbase, or contact us.',
    ...(opts.supplierContact ? ['', `Contact: ${opts.supplierContact}`] : []),
    '',
    opts.supplierName,
  ];
  return { subject: `Order ${notice.orderNumber} cannot be fulfilled`, text: `${lines.join('\n')}\n` };
}
