// `order-relay doctor --server URL` (or ORDER_RELAY_ADMIN_URL): the running relay's own doctor report,
// asked over its admin API (GET /admin/doctor, bearer ADMIN_TOKEN). The CLI's environment may differ from
// the server's (issue 26.4): this is what the server itself uses. Never sends or prints anything but the token header.
import { z } from 'zod';
import type { DoctorReport } from './doctor';
import { OperationError } from './errors';

const reportSchema = z.object({
  ok: z.boolean(),
  temporalReachable: z.boolean(),
  checks: z.array(z.object({ name: z.string(), status: z.enum(['ok', 'warn', 'fail', 'skip']), detail: z.string() })),
});

/** The admin API's doctor URL under a relay's base URL (a trailing slash or /admin is allowed). */
export function relayDoctorUrl(base: string): string {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '').replace(/\/admin$/, '')}/admin/doctor`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

export async function askRelayDoctor(
  base: string,
  token: string | undefined,
  timeoutMs: number,
): Promise<DoctorReport> {
  let url: string;
  try {
    url = relayDoctorUrl(base);
  } catch {
    throw new OperationError(
      'usage',
      `--server / ORDER_RELAY_ADMIN_URL must be the relay's base URL, e.g. http://127.0.0.1:3000`,
    );
  }
  if (!token)
    throw new OperationError(
      'config',
      `asking the relay at ${base} needs its ADMIN_TOKEN (or ADMIN_TOKEN_FILE) in this environment`,
    );
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new OperationError(
      'failed',
      `the relay at ${base} did not answer (${cause}): is it running, and is this its HTTP address?`,
    );
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (response.status === 401)
    throw new OperationError('config', `the relay at ${base} refused ADMIN_TOKEN: give the token the relay runs with`);
  const report = reportSchema.safeParse(body);
  if ((response.status === 200 || response.status === 503) && report.success) return report.data as DoctorReport;
  const said = body && typeof body === 'object' && 'error' in body ? `: ${String(body.error)}` : '';
  throw new OperationError(
    'failed',
    `the relay at ${base} answered GET /admin/doctor with HTTP ${response.status}${said}`,
  );
}
