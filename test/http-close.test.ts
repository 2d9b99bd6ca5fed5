// Closing the HTTP listener: a request in flight on a kept-alive connection is answered, and told to close
// the connection, so a client that reuses connections (undici, a load balancer) sees the listener gone.
import assert from 'node:assert/strict';
import { Agent, get, type IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import express from 'express';
import { listen } from '../src/http/app';

const getVia = (agent: Agent, url: string) =>
  new Promise<IncomingMessage>((resolve, reject) => {
    get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
    }).on('error', reject);
  });

void describe('HTTP listener close', () => {
  void it('a request in flight at close is answered with Connection: close; the next one is refused', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const slowArrived = new Promise<void>((resolve) => (arrived = resolve));
    const app = express();
    app.get('/slow', (_req, res) => {
      arrived();
      void released.then(() => res.send('slow'));
    });
    app.get('/ok', (_req, res) => void res.send('ok'));
    const http = await listen(app, '127.0.0.1', 0);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const base = `http://127.0.0.1:${http.port}`;
      const warm = await getVia(agent, `${base}/ok`);
      assert.equal(warm.headers.connection, 'keep-alive', 'connections are kept alive before the close');
      const inFlight = getVia(agent, `${base}/slow`);
      await slowArrived;
      const closed = http.close();
      release();
      const answer = await inFlight;
      assert.equal(answer.statusCode, 200);
      assert.equal(answer.headers.connection, 'close');
      await closed;
      await assert.rejects(getVia(agent, `${base}/ok`), /ECONNREFUSED/);
    } finally {
      agent.destroy();
    }
  });
});
