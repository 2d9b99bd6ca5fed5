// Delivers an order to the supplier's webhook the way Apicbase does: one POST with the order as
// JSON and X-APIC-WEBHOOK-SIGNATURE = hex HMAC-SHA256, keyed by the client secret, of
// `json.dumps(request.data)` — exactly what Apicbase's Python sample verifies. The body itself is
// what Python's `requests.post(url, json=order)` sends (json.dumps defaults) unless asked for the
// compact form, whose raw bytes then differ from the signed text.
import { pythonJsonDumps, signApicbasePayload } from '../../ingress/apicbase-signature';
import type { ApicbaseOrder } from '../order';

export type WebhookBodyStyle = 'python' | 'compact';

export interface WebhookDelivery {
  url: string;
  status: number | null;
  /** The receiver's answer (JSON when it is JSON), or the network error. */
  body: unknown;
  error?: string;
  bodyStyle: WebhookBodyStyle;
}

export async function deliverWebhook(opts: {
  url: string;
  secret: string;
  order: ApicbaseOrder;
  bodyStyle: WebhookBodyStyle;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<WebhookDelivery> {
  const compact = JSON.stringify(opts.order);
  const signed = pythonJsonDumps(compact);
  const body = opts.bodyStyle === 'python' ? signed : compact;
  const base = { url: opts.url, bodyStyle: opts.bodyStyle };
  try {
    const response = await fetch(opts.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-apic-webhook-signature': signApicbasePayload(opts.secret, signed),
      },
      body,
      signal: opts.signal
        ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)])
        : AbortSignal.timeout(opts.timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { ...base, status: response.status, body: parsed };
  } catch (err) {
    return { ...base, status: null, body: null, error: err instanceof Error ? err.message : String(err) };
  }
}
