// OpenTelemetry tracing (docs/operations.md#tracing-opentelemetry): one trace from the webhook request
// through the order workflow and its activities to the Hublify and Apicbase HTTP calls, exported over
// OTLP/HTTP. On only when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set;
// otherwise nothing is started and no interceptor is added.
import { context, trace, type Context } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { Resource, detectResourcesSync, envDetectorSync } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  makeWorkflowExporter,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerOptions } from '@temporalio/worker';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SpanScrubber } from './span-scrubbing';

/** The workflow-side interceptors: bundled into the traced workflow bundle (src/worker/order-worker.ts). */
export const WORKFLOW_TRACING_INTERCEPTORS =
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** Requests that are not about orders: probes and scrapes would only bury the order traces. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export interface Tracing {
  /** For every Temporal Client: starts, updates and signals carry the caller's span to the workflow. */
  clientInterceptors: WorkflowClientInterceptor[];
  /** For every Worker: activity spans, and the sink through which workflow spans are exported. */
  workerOptions: Pick<WorkerOptions, 'interceptors' | 'sinks'>;
  /** Keeps these secrets (a URL's path and password too) out of every exported span: the configuration's, once read. */
  withhold(secrets: Iterable<string | undefined>): void;
  /** Exports what is buffered and stops; call once on shutdown. */
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/** Whether the standard OTEL_* variables ask for traces to be exported. */
export function tracingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return false;
  return !!(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

/** The tracing this process started, if any. */
export function activeTracing(): Tracing | undefined {
  return active;
}

/**
 * Starts tracing once per process when the OTEL_* variables (of process.env, where the exporter reads
 * them too) ask for it: call it before the HTTP server and the Temporal client exist (src/main.ts does
 * so first). Returns undefined, having started nothing, when no OTLP endpoint is set.
 */
export function startTracing(): Tracing | undefined {
  if (active || !tracingWanted(process.env)) return active;
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the default name.
  const resource = Resource.default()
    .merge(new Resource({ 'service.name': 'order-relay' }))
    .merge(detectResourcesSync({ detectors: [envDetectorSync] }));
  // The exporter reads the endpoint, headers, timeout and compression from the OTEL_EXPORTER_OTLP_* variables.
  const processor = new ScrubbingSpanProcessor(new BatchSpanProcessor(new OTLPTraceExporter()));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // The AsyncLocalStorage context manager and W3C trace context (traceparent) propagation.
  provider.register();
  const instrumentations: Instrumentation[] = [
    new HttpInstrumentation({
      // Outbound calls use fetch (undici, below); the OTLP exporter's own requests stay untraced.
      disableOutgoingRequestInstrumentation: true,
      ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has(pathOf(req.url)),
      applyCustomAttributesOnSpan: (span, req, res) => nameByRoute(span, req as RoutedRequest, res as ServerResponse),
    }),
    // Only calls made inside a traced request or activity: no stray root spans.
    new UndiciInstrumentation({ requireParentforSpans: true }),
  ];
  const unregister = registerInstrumentations({ tracerProvider: provider, instrumentations });
  // `http` is patched in place (Server.prototype.emit) when next required: servers of modules loaded
  // before this call are traced too.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a require, so the hook sees it
  require('node:http');

  const tracing: Tracing = {
    clientInterceptors: [new OpenTelemetryWorkflowClientInterceptor()],
    workerOptions: {
      interceptors: {
        activity: [
          (ctx) => ({
            inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
            outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
          }),
        ],
      },
      sinks: { exporter: makeWorkflowExporter(processor, resource) } satisfies InjectedSinks<OpenTelemetrySinks>,
    },
    withhold: (secrets) => processor.scrubber.withhold(secrets),
    async shutdown() {
      if (active !== tracing) return;
      active = undefined;
      unregister();
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
  active = tracing;
  return tracing;
}

type RoutedRequest = IncomingMessage & { baseUrl?: string; route?: { path?: unknown } };

/** Names the server span by the Express route it matched (`POST /webhooks/apicbase/orders`), never by ids. */
function nameByRoute(
  span: { setAttribute(k: string, v: string): unknown; updateName(n: string): unknown },
  req: RoutedRequest,
  _res: ServerResponse,
): void {
  const route = typeof req.route?.path === 'string' ? `${req.baseUrl ?? ''}${req.route.path}` : undefined;
  if (!route) return;
  span.setAttribute('http.route', route);
  span.updateName(`${req.method ?? 'HTTP'} ${route}`);
}

function pathOf(url: string | undefined): string {
  return (url ?? '/').split('?')[0] ?? '/';
}

/**
 * Cleans every span (span-scrubbing.ts) before it leaves the process: no query string (Hublify's push
 * may carry its token as `?token=`), no configured secret, no error text. Headers and bodies are never
 * recorded (no instrumentation here is configured to capture them).
 */
export class ScrubbingSpanProcessor implements SpanProcessor {
  readonly scrubber = new SpanScrubber();

  constructor(private readonly next: SpanProcessor) {}

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    this.scrubber.scrub(span);
    this.next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}
