// `npm run sandbox:hublify` while a sandbox already listens on its port (typically the one `npm start`
// embeds): say so, and how to use it, instead of failing with EADDRINUSE (issue 17.2).
import { reachableUrl } from '../../http/loopback-address';
import type { SandboxInfo } from './control-api';

/** The sandbox answering GET /_sandbox/info on host:port, or undefined when something else (or nothing) is there. */
export async function runningSandboxAt(
  host: string,
  port: number,
  timeoutMs = 2_000,
): Promise<(SandboxInfo & { url: string }) | undefined> {
  const url = reachableUrl(host, port);
  try {
    const response = await fetch(`${url}/_sandbox/info`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    const info = (await response.json()) as Partial<SandboxInfo>;
    return info.sandbox === 'hublify' ? { ...(info as SandboxInfo), url } : undefined;
  } catch {
    return undefined;
  }
}

export function alreadyRunningText(info: SandboxInfo & { url: string }): string {
  return [
    `A Hublify sandbox is already running on ${info.url} (started by \`${info.runBy}\`); nothing new was started.`,
    `  channel API: POST ${info.url}/api/${info.channel}/<verb>  (header API-Channel-Token: ${info.documentedToken ? 'sandbox-token' : '<HUBLIFY_CHANNEL_TOKEN, as configured>'})`,
    `  control API: ${info.url}/_sandbox/orders`,
    `To run a second one, give another port: npm run sandbox:hublify -- --port 0`,
  ].join('\n');
}
