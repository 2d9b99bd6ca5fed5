// Helpers for the webhook ingress tests: raw HTTP requests with exact headers, "does this workflow
// exist" checks that are strongly consistent (describe, not visibility), /metrics readings, and a
// log sink to check what the relay logged.
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { pollUntil } from '../../src/poll-until';
import { PATIENCE_MS } from './patience';
import { metricSum } from './prometheus-text';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: Record<string, unknown> | undefined;
}

/**
 * POSTs exactly `body` with exactly `headers` (fetch would add a content-type for string bodies and
 * refuse some header values). Content-Length is set unless the caller gives one.
 */
export function postRaw(
  baseUrl: string,
  path: string,
  body: Buffer | string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'content-length': String(bytes.length), ...headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> | undefined;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(bytes);
  });
}

/** True when Temporal has a workflow with this id (any status); false on WorkflowNotFoundError. */
export async function workflowExists(client: Client, workflowId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** Status name of the workflow's latest run (RUNNING, COMPLETED, FAILED, ...). */
export async function workflowStatus(client: Client, workflowId: string): Promise<string> {
  return (await client.workflow.getHandle(workflowId).describe()).status.name;
}

/** Polls until `check` stops throwing and returns its value; after `timeoutMs` the error carries its last failure. */
export async function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs = PATIENCE_MS,
  intervalMs = 100,
): Promise<T> {
  // Wrapped: a check that passes may return nothing (assertions), which pollUntil would take for "not yet".
  const passed = await pollUntil(async () => ({ value: await check() }), {
    what: 'a check to pass',
    timeoutMs,
    everyMs: intervalMs,
  });
  return passed.value;
}

/** Sum of the samples of `name` on /metrics whose labels include `labels` (0 when there are none). */
export async function metricValue(baseUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  return metricSum(await (await fetch(`${baseUrl}/metrics`)).text(), name, labels);
}

/** A pino destination that keeps every log line, to check what was (not) logged. */
export class LogSink {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  /** Lines logged since `mark` (an index from `this.lines.length`). */
  since(mark: number): string[] {
    return this.lines.slice(mark);
  }
}

/**
 * HMAC-SHA256 hex of `json.dumps(json.loads(body))`, computed by the real python3: exactly what
 * Apicbase's published sample checks, with no code of ours in between.
 */
export function pythonSampleSignature(secret: string, body: string): string {
  const script =
    'import hmac, json, sys\n' +
    'case = json.loads(sys.stdin.buffer.read().decode("utf-8"))\n' +
    'data = json.loads(case["body"])\n' +
    'sys.stdout.write(hmac.new(case["secret"].encode(), msg=json.dumps(data).encode(), digestmod="sha256").hexdigest())\n';
  return execFileSync('python3', ['-c', script], { input: JSON.stringify({ secret, body }), encoding: 'utf8' }).trim();
}
