// Hublify's own message texts, as the channel-API seed shows them. The sandbox writes them and the
// client recognises them, so both sides agree on one wording.
import type { HublifyMessage } from './types';

export const ORDER_NOT_FOUND = 'Order not found.';
export const ORDER_CHANGES_NO_LONGER_POSSIBLE = 'Changes to this order are no longer possible.';

export const missingMandatoryField = (field: string): string => `Missing mandatory field '${field}'`;

export const alreadyInjected = (orderidExternal: string): string =>
  `Order "${orderidExternal}" was already injected and will be skipped.`;

export const isWarning = (message: HublifyMessage): boolean => message.type.toUpperCase() === 'WARNING';

/** `entity` is the part of `fields` the names belong to: "order" or "person". */
export const fieldsUpdated = (entity: string, fields: readonly string[]): string =>
  `The following ${entity}-fields have been updated: ${fields.join(', ')}`;

export const fieldsNotAvailableForUpdate = (entity: string, fields: readonly string[]): string =>
  `The following ${entity}-fields are not available for update: ${fields.join(', ')}`;

const UPDATED = /fields have been updated:\s*(.*)$/i;
const NOT_AVAILABLE = /fields are not available for update:\s*(.*)$/i;

const fieldList = (text: string, pattern: RegExp): string[] =>
  (pattern.exec(text)?.[1] ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);

/** Reads the field names out of order_update's OK and WARNING texts. */
export function parseUpdateMessages(messages: readonly HublifyMessage[]): { updated: string[]; refused: string[] } {
  return {
    updated: messages.flatMap((m) => fieldList(m.text, UPDATED)),
    refused: messages.flatMap((m) => fieldList(m.text, NOT_AVAILABLE)),
  };
}

export const errorTexts = (messages: readonly HublifyMessage[]): string[] =>
  messages.filter((m) => m.type.toUpperCase() === 'ERROR').map((m) => m.text);
