// Free loopback ports for listeners started later: the SDK's metrics exporter, and the servers that
// tests, the bench and the soak start as child processes on ports they choose.
import net from 'node:net';

// Ports handed out by this process, so two calls never give the same one before either is bound.
const handedOut = new Set<number>();

/**
 * A free TCP port on 127.0.0.1, for a listener started after this returns (the SDK's exporter, a
 * child process told its port). It is drawn below the kernel's ephemeral range (32768–60999 on
 * Linux): a port from a port-0 listen would be free again once probed, and any outgoing connection
 * or other port-0 listener could take it before our listener binds.
 */
export async function freeLoopbackPort(): Promise<number> {
  const [low, high] = [20_000, 32_000];
  for (;;) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      handedOut.add(port);
      return port;
    }
  }
}
