// A real OTLP/HTTP trace receiver on loopback, as an OpenTelemetry Collector's `otlphttp` receiver:
// accepts POST /v1/traces in OTLP's JSON encoding (what @opentelemetry/exporter-trace-otlp-http
// sends), gzip or not, answers 200 with an empty partial-success, and keeps every span and raw body.
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, unknown>;
  /** OTLP's status: code 2 is an error. */
  status: { code?: number; message?: string };
  /** Span events (an `exception` event per recorded error), with their attributes. */
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  /** The resource's service.name. */
  service: string;
}

export interface OtlpReceiver {
  /** The base for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  url: string;
  spans: ReceivedSpan[];
  /** Every request body as received (decompressed), to search for what must never be exported. */
  bodies: string[];
  /** How many requests arrived, on any path. */
  requests: number;
  /** Resolves with the spans once `check` holds for them; checked again at each export. */
  waitFor<T>(check: (spans: ReceivedSpan[]) => T | undefined): Promise<T>;
  close(): Promise<void>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpJson {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value: OtlpValue }> };
    scopeSpans?: Array<{
      spans?: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: Array<{ key: string; value: OtlpValue }>;
        status?: { code?: number; message?: string };
        events?: Array<{ name: string; attributes?: Array<{ key: string; value: OtlpValue }> }>;
      }>;
    }>;
  }>;
}

function valueOf(v: OtlpValue): unknown {
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(valueOf);
  return v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.boolValue;
}

function attributesOf(list: Array<{ key: string; value: OtlpValue }> | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const changed = new EventEmitter();
  const receiver: OtlpReceiver = {
    url: '',
    spans: [],
    bodies: [],
    requests: 0,
    waitFor: (check) =>
      new Promise((resolve) => {
        const test = () => {
          const found = check(receiver.spans);
          if (found === undefined) return;
          changed.off('spans', test);
          resolve(found);
        };
        changed.on('spans', test);
        test();
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    receiver.requests += 1;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (
        req.method !== 'POST' ||
        req.url !== '/v1/traces' ||
        !String(req.headers['content-type']).startsWith('application/json')
      ) {
        res.writeHead(415).end();
        return;
      }
      const raw = Buffer.concat(chunks);
      const body = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      receiver.bodies.push(body);
      for (const rs of (JSON.parse(body) as OtlpJson).resourceSpans ?? []) {
        const service = String(attributesOf(rs.resource?.attributes)['service.name']);
        for (const s of (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? [])) {
          receiver.spans.push({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? '',
            name: s.name,
            kind: s.kind,
            attributes: attributesOf(s.attributes),
            status: s.status ?? {},
            events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attributesOf(e.attributes) })),
            service,
          });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      changed.emit('spans');
    });
  });
  // The receiver's own requests are never traced: in a test process that traces, each export would
  // otherwise make a span that the next export sends (the instrumentation patches Server.prototype.emit).
  server.emit = EventEmitter.prototype.emit.bind(server) as typeof server.emit;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}
