// What a span may carry when it leaves the process (docs/security.md#traces). Instrumentations record
// URLs, error texts and stack traces as they are: a Slack webhook URL's path is its token, and a Hublify
// refusal may quote a customer's name and address. The OpenTelemetry activity interceptor records an
// activity's error as thrown, past log-safe-error.ts and the encrypting failure converter, so every
// span is cleaned here, whichever instrumentation made it: no query string, no configured secret
// (nor a secret URL's path or password), and no error text — only the error's type and stack frames.
import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export const WITHHELD = '[withheld]';
export const WITHHELD_ERROR_TEXT =
  'error text withheld from traces (it may quote personal data); the order in the Temporal Web UI shows it';

const URL_ATTRIBUTES = ['http.url', 'http.target', 'url.full', 'url.path'];
/** A stack frame naming a function and a file position; anything else in a stack may be the message. */
const STACK_FRAME =
  /^ {4}at (?:(?:async |new )?[\w$.<>[\]]+(?: \[as [\w$]+\])? \()?(?:node:|file:\/\/|\/|[A-Za-z]:\\)[^\s()]*:\d+:\d+\)?$/;

/**
 * The texts of one configured secret to keep out of spans: the value itself, or for a URL the parts
 * that are secret — its whole path (a Slack webhook's path is its token), query and password — so a
 * span still names the host it called.
 */
export function secretTexts(value: string | undefined): string[] {
  if (!value) return [];
  let url: URL | undefined;
  try {
    url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url) return [value];
  // The path without its leading slash: `https://hooks.slack.com/[withheld]` still names the host.
  const parts = [url.pathname.slice(1), url.search, url.password, decodedOrAsIs(url.password)];
  return [...new Set(parts.filter((part) => part.length > 1))];
}

function decodedOrAsIs(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Spans' cleaner: holds the secrets of this process's configuration (added once it is read). */
export class SpanScrubber {
  private secrets: string[] = [];

  /** Keeps these values (and, for URLs, their paths and passwords) out of every span from now on. */
  withhold(values: Iterable<string | undefined>): void {
    const all = new Set(this.secrets);
    for (const value of values) for (const text of secretTexts(value)) if (text.length >= 4) all.add(text);
    // Longest first: a secret that contains another is replaced whole.
    this.secrets = [...all].sort((a, b) => b.length - a.length);
  }

  /** Cleans a finished span in place, before any exporter sees it. */
  scrub(span: ReadableSpan): void {
    this.scrubAttributes(span.attributes);
    const writable = span as { name: string; status: ReadableSpan['status'] };
    writable.name = this.withoutSecrets(span.name);
    if (span.status.message) writable.status = { ...span.status, message: WITHHELD_ERROR_TEXT };
    for (const event of span.events) {
      if (!event.attributes) continue;
      if (event.name === 'exception') scrubException(event.attributes);
      this.scrubAttributes(event.attributes);
    }
  }

  private scrubAttributes(attributes: Attributes): void {
    delete attributes['url.query'];
    for (const key of URL_ATTRIBUTES) {
      const value = attributes[key];
      if (typeof value === 'string' && value.includes('?')) attributes[key] = value.slice(0, value.indexOf('?'));
    }
    for (const [key, value] of Object.entries(attributes)) {
      if (typeof value === 'string') attributes[key] = this.withoutSecrets(value);
      else if (Array.isArray(value))
        attributes[key] = value.map((v) => (typeof v === 'string' ? this.withoutSecrets(v) : v)) as typeof value;
    }
  }

  private withoutSecrets(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(WITHHELD);
    return out;
  }
}

/** An exception event keeps its type and the stack's frames; its message (in the stack's first lines too) goes. */
function scrubException(attributes: Attributes): void {
  if (attributes['exception.message'] !== undefined) attributes['exception.message'] = WITHHELD_ERROR_TEXT;
  const stack = attributes['exception.stacktrace'];
  if (typeof stack === 'string') {
    attributes['exception.stacktrace'] = stack
      .split('\n')
      .filter((line) => STACK_FRAME.test(line))
      .join('\n');
  }
}
