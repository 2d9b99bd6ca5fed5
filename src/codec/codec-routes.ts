// The codec endpoint: Temporal's remote codec protocol, so the Web UI and the `temporal` CLI can show
// payloads that order-relay encrypted (and encode what an operator types, e.g. a signal's input).
//   POST /codec/decode   POST /codec/encode
//   body and answer: {"payloads": [{"metadata": {"encoding": "<base64>", …}, "data": "<base64>"}]}
//   header X-Namespace: must be order-relay's namespace when given
// Who may call it: a bearer token (CODEC_AUTH_TOKEN or ADMIN_TOKEN, compared in constant time), or —
// only with CODEC_LOOPBACK_UNAUTHENTICATED, which `npm start` sets for its embedded dev server, whose
// Web UI cannot send a token — any caller on this machine's loopback addressing us by a loopback host
// name, and not forwarded by a proxy (no X-Forwarded-For, Forwarded or X-Real-IP header), may decode
// (never encode) without one. Browsers may call it only from CODEC_CORS_ORIGINS (default: the Web UI's
// origin).
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Logger } from 'pino';
import { z } from 'zod';
import { bearerToken, sameSecret } from '../same-secret';
import { PayloadDecryptionError } from './encryption-codec';

export const CODEC_PATH = '/codec';

export interface CodecRouteOptions {
  codec: PayloadCodec;
  /** The Temporal namespace whose payloads this codec serves. */
  namespace: string;
  /** Accepted bearer tokens (CODEC_AUTH_TOKEN, ADMIN_TOKEN); unset ones are ignored. */
  tokens: Array<string | undefined>;
  /** Exact origins (scheme://host:port) a browser may call from. */
  allowedOrigins: string[];
  /** Embedded dev mode: loopback callers need no token. */
  loopbackUnauthenticated: boolean;
  logger: Logger;
  bodyLimit?: string;
}

const MAX_PAYLOADS = 10_000;
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
const bodySchema = z.object({
  // Protobuf JSON leaves an empty list out: `{}` is zero payloads (the `temporal` CLI sends it).
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() }))
    .max(MAX_PAYLOADS)
    .default([]),
});

type JsonPayload = { metadata?: Record<string, string>; data?: string };

function fromJson(p: z.infer<typeof bodySchema>['payloads'][number]): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) metadata[k] = Buffer.from(v, 'base64');
  return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
}

/** Protobuf JSON: empty data is left out (the Web UI reads `data: ""` as JSON to parse). */
function toJson(p: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) if (v) metadata[k] = Buffer.from(v).toString('base64');
  return p.data?.length ? { metadata, data: Buffer.from(p.data).toString('base64') } : { metadata };
}

/** The origin (scheme://host:port) of a URL, plus its twin under the other loopback name. */
export function originsFor(url: string | undefined): string[] {
  if (!url) return [];
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [];
  }
  const out = [u.origin];
  const twin = u.hostname === '127.0.0.1' ? 'localhost' : u.hostname === 'localhost' ? '127.0.0.1' : undefined;
  if (twin) out.push(`${u.protocol}//${twin}${u.port ? `:${u.port}` : ''}`);
  return out;
}

function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/** The Host header names a loopback host (not a DNS name an attacker's page could rebind to us). */
function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return name === '127.0.0.1' || name === 'localhost' || name === '[::1]';
}

/**
 * A proxy on this machine connects from loopback on behalf of anyone: a request it forwarded (it says
 * so in X-Forwarded-For, Forwarded or X-Real-IP) never gets the loopback exception.
 */
function cameThroughProxy(req: Request): boolean {
  return ['x-forwarded-for', 'forwarded', 'x-real-ip'].some((header) => req.headers[header] !== undefined);
}

export function codecRoutes(opts: CodecRouteOptions): Router {
  const router = Router();
  const tokens = opts.tokens.filter((t): t is string => !!t);
  const allowed = new Set(opts.allowedOrigins);
  const log = opts.logger.child({ component: 'codec-endpoint' });

  /** CORS: answers for allowed origins only; false when a browser calls from elsewhere. */
  const cors = (req: Request, res: Response): boolean => {
    res.vary('Origin');
    const origin = req.get('origin');
    if (!origin) return true; // not a browser's cross-origin call (the CLI, curl)
    if (!allowed.has(origin)) return false;
    res.setHeader('Access-Control-Allow-Origin', origin);
    // The Web UI's "include cross-origin credentials" setting sends cookies; harmless otherwise.
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    return true;
  };

  router.options(`${CODEC_PATH}/:op`, (req, res) => {
    if (!cors(req, res)) {
      res.status(403).end();
      return;
    }
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
  });

  const authorise = (req: Request, res: Response, next: NextFunction) => {
    if (!cors(req, res)) {
      res
        .status(403)
        .json({ error: `Origin ${req.get('origin')} may not call the codec endpoint (CODEC_CORS_ORIGINS)` });
      return;
    }
    const bearer = bearerToken(req.get('authorization'));
    if (bearer !== undefined) {
      if (tokens.some((t) => sameSecret(bearer, t))) return next();
      res.setHeader('WWW-Authenticate', 'Bearer realm="order-relay codec"');
      res.status(401).json({ error: 'Wrong bearer token' });
      return;
    }
    // Decode only: encoding for any local caller would make the endpoint an encryption oracle.
    const loopbackMay = opts.loopbackUnauthenticated && req.params.op === 'decode';
    if (
      loopbackMay &&
      isLoopbackAddress(req.socket.remoteAddress) &&
      isLoopbackHost(req.get('host')) &&
      !cameThroughProxy(req)
    )
      return next();
    if (tokens.length === 0 && !loopbackMay) {
      res.status(503).json({ error: 'The codec endpoint is not configured: set CODEC_AUTH_TOKEN (or ADMIN_TOKEN)' });
      return;
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="order-relay codec"');
    res.status(401).json({ error: 'Missing bearer token' });
  };

  router.post(`${CODEC_PATH}/:op`, authorise, express.json({ limit: opts.bodyLimit ?? '8mb' }), async (req, res) => {
    const op = req.params.op;
    if (op !== 'encode' && op !== 'decode') {
      res.status(404).json({ error: 'Not found' });
      return;
    }
    const namespace = req.get('x-namespace');
    if (namespace && namespace !== opts.namespace) {
      res.status(403).json({ error: `This codec serves namespace "${opts.namespace}" only` });
      return;
    }
    if (!req.is('application/json')) {
      res.status(415).json({ error: 'Send the payloads as application/json' });
      return;
    }
    const parsed = bodySchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'Body must be {"payloads": [{"metadata": {…base64}, "data": "<base64>"}]}' });
      return;
    }
    const payloads = parsed.data.payloads.map(fromJson);
    try {
      const out = op === 'encode' ? await opts.codec.encode(payloads) : await opts.codec.decode(payloads);
      res.json({ payloads: out.map(toJson) });
    } catch (err) {
      if (err instanceof PayloadDecryptionError) {
        log.warn({ err: err.message }, 'codec endpoint could not decrypt a payload');
        res.status(422).json({ error: err.message });
        return;
      }
      throw err;
    }
  });

  return router;
}
