// Delivers an Apicbase order to the webhook the way Apicbase does: JSON body, HMAC-SHA256 signature.
import { pythonJsonDumps, signApicbasePayload } from '../../src/ingress/apicbase-signature';
import { TEST_WEBHOOK_SECRET } from './system';

export interface Delivery {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export async function deliverOrder(
  baseUrl: string,
  order: unknown,
  opts: {
    secret?: string;
    form?: 'raw' | 'python';
    signature?: string | null;
    contentType?: string;
    rawBody?: string;
  } = {},
): Promise<Delivery> {
  const raw = opts.rawBody ?? JSON.stringify(order);
  // Apicbase's Python sample signs json.dumps(parsed body); the raw bytes are the other accepted form.
  const signed = opts.form === 'python' ? pythonJsonDumps(raw) : raw;
  const signature =
    opts.signature === undefined ? signApicbasePayload(opts.secret ?? TEST_WEBHOOK_SECRET, signed) : opts.signature;
  const res = await fetch(`${baseUrl}/webhooks/apicbase/orders`, {
    method: 'POST',
    headers: {
      'content-type': opts.contentType ?? 'application/json',
      ...(signature !== null ? { 'x-apic-webhook-signature': signature } : {}),
    },
    body: raw,
  });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, body, headers: res.headers };
}
