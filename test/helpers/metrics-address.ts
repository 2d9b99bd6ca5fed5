// Whether a shipped deployment's API process serves /metrics on its public listener (issue 24.7):
// read from the variables a deployment file sets, with order-relay's defaults (src/config.ts).

/** The port of `host:port` (IPv6 hosts in brackets). */
export function portOf(address: string): string {
  return address.slice(address.lastIndexOf(':') + 1);
}

/**
 * Why an order-relay process with these variables would answer /metrics on its webhook listener, or
 * undefined when it does not (no API role, or METRICS_ADDRESS on a port of its own).
 */
export function publicMetricsProblem(env: Record<string, string | undefined>): string | undefined {
  const roles = (env.ORDER_RELAY_ROLES ?? 'api,worker').split(',').map((r) => r.trim());
  if (!roles.includes('api')) return undefined;
  const metrics = env.METRICS_ADDRESS;
  if (!metrics) return `HOST ${env.HOST ?? '127.0.0.1'} and no METRICS_ADDRESS: /metrics is on the webhook listener`;
  if (portOf(metrics) === (env.PORT ?? '3000')) return `METRICS_ADDRESS ${metrics} is the webhook listener's port`;
  return undefined;
}
