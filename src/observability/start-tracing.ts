// Imported first by the entry point (src/main.ts): OpenTelemetry's instrumentation must be registered
// before the modules it patches are loaded. Starts nothing unless an OTLP endpoint is set.
import { startTracing } from './tracing';

startTracing();
