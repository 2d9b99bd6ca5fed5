// Where a server this process started can be reached, and starting it: shared by the sandboxes.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The port the server really listens on (port 0 picks a free one). */
export function boundPort(server: Server): number {
  return (server.address() as AddressInfo | null)?.port ?? 0;
}

/** The base URL a client on this machine uses: a wildcard bind is reached on loopback. */
export function reachableUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

export async function listenOn(server: Server, host: string, port: number): Promise<void> {
  server.listen({ port, host });
  await once(server, 'listening');
}
