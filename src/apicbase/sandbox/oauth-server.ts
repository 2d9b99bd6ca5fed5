// The Apicbase sandbox's OAuth2 server: authorization-code flow only, as Apicbase offers it.
// /oauth/authorize/ approves at once for the sandbox user (no login page) and redirects with a code;
// /oauth/token/ exchanges a code or a refresh token. Access tokens expire after a configurable
// lifetime (a week by default, seconds in tests); refresh tokens never expire but are rotated by
// default (the old one stops working), as django-oauth-toolkit does.
import { randomBytes } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import type { SandboxStats } from './state';

export interface SandboxOAuthOptions {
  clientId: string;
  clientSecret: string;
  accessTokenTtlMs: number;
  rotateRefreshTokens: boolean;
  now: () => number;
}

interface CodeGrant {
  clientId: string;
  redirectUri: string | null;
  scope: string;
  expiresAt: number;
}

interface AccessGrant {
  user: string;
  expiresAt: number;
}

export type Authentication = { ok: true; user: string } | { ok: false; reason: 'missing' | 'invalid' | 'expired' };

export const SANDBOX_USER = 'sandbox-supplier';
const CODE_TTL_MS = 10 * 60_000;

const token = (prefix: string) => `${prefix}_${randomBytes(20).toString('hex')}`;

export class SandboxOAuthServer {
  private codes = new Map<string, CodeGrant>();
  private access = new Map<string, AccessGrant>();
  private refresh = new Map<string, { user: string; scope: string }>();

  constructor(
    private readonly opts: SandboxOAuthOptions,
    private readonly stats: SandboxStats,
  ) {}

  get accessTokenTtlMs(): number {
    return this.opts.accessTokenTtlMs;
  }

  set accessTokenTtlMs(ms: number) {
    this.opts.accessTokenTtlMs = ms;
  }

  /** Checks an Authorization header. */
  authenticate(header: string | undefined): Authentication {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match) return { ok: false, reason: 'missing' };
    const grant = this.access.get(match[1]!);
    if (!grant) return { ok: false, reason: 'invalid' };
    if (grant.expiresAt <= this.opts.now()) return { ok: false, reason: 'expired' };
    return { ok: true, user: grant.user };
  }

  /** Makes every access token expired now (refresh tokens keep working). */
  expireAccessTokens(): number {
    const now = this.opts.now();
    for (const grant of this.access.values()) grant.expiresAt = Math.min(grant.expiresAt, now);
    return this.access.size;
  }

  reset(): void {
    this.codes.clear();
    this.access.clear();
    this.refresh.clear();
  }

  router(): Router {
    const router = Router();
    router.get('/oauth/authorize/', (req, res) => this.authorize(req, res));
    router.post('/oauth/token/', express.urlencoded({ extended: false }), express.json(), (req, res) =>
      this.token(req, res),
    );
    return router;
  }

  private authorize(req: Request, res: Response): void {
    this.stats.requests.authorize += 1;
    const q = (name: string) => (typeof req.query[name] === 'string' ? req.query[name] : undefined);
    if (q('response_type') !== 'code') {
      res
        .status(400)
        .json({ error: 'unsupported_response_type', error_description: 'only response_type=code is supported' });
      return;
    }
    if (q('client_id') !== this.opts.clientId) {
      res.status(400).json({ error: 'invalid_client', error_description: 'unknown client_id' });
      return;
    }
    const redirectUri = q('redirect_uri') ?? null;
    const code = token('code');
    this.codes.set(code, {
      clientId: this.opts.clientId,
      redirectUri,
      scope: q('scope') ?? 'read write',
      expiresAt: this.opts.now() + CODE_TTL_MS,
    });
    const state = q('state');
    if (!redirectUri) {
      // No redirect URI registered: show the code to copy, as an out-of-band flow would.
      res.json({ code, ...(state ? { state } : {}), note: 'Apicbase sandbox: approved for the sandbox user' });
      return;
    }
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    if (state) target.searchParams.set('state', state);
    res.redirect(302, target.toString());
  }

  private token(req: Request, res: Response): void {
    this.stats.requests.token += 1;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const field = (name: string) => (typeof body[name] === 'string' ? body[name] : undefined);
    const [basicId, basicSecret] = basicAuth(req.get('authorization'));
    const clientId = field('client_id') ?? basicId;
    const clientSecret = field('client_secret') ?? basicSecret;
    if (clientId !== this.opts.clientId || clientSecret !== this.opts.clientSecret) {
      res.status(401).json({ error: 'invalid_client' });
      return;
    }
    const grantType = field('grant_type');
    if (grantType === 'authorization_code') {
      const code = field('code') ?? '';
      const grant = this.codes.get(code);
      this.codes.delete(code); // single use
      if (!grant || grant.expiresAt <= this.opts.now()) {
        res.status(400).json({ error: 'invalid_grant', error_description: 'unknown, used or expired code' });
        return;
      }
      if (grant.redirectUri !== null && field('redirect_uri') !== grant.redirectUri) {
        res
          .status(400)
          .json({ error: 'invalid_grant', error_description: 'redirect_uri does not match the authorization request' });
        return;
      }
      this.stats.grants.authorization_code += 1;
      res.json(this.issue(SANDBOX_USER, grant.scope));
      return;
    }
    if (grantType === 'refresh_token') {
      const refreshToken = field('refresh_token') ?? '';
      const grant = this.refresh.get(refreshToken);
      if (!grant) {
        res.status(400).json({ error: 'invalid_grant', error_description: 'unknown or revoked refresh token' });
        return;
      }
      if (this.opts.rotateRefreshTokens) this.refresh.delete(refreshToken);
      this.stats.grants.refresh_token += 1;
      res.json(this.issue(grant.user, grant.scope, this.opts.rotateRefreshTokens ? undefined : refreshToken));
      return;
    }
    res.status(400).json({ error: 'unsupported_grant_type' });
  }

  private issue(user: string, scope: string, keepRefreshToken?: string) {
    const accessToken = token('at');
    const refreshToken = keepRefreshToken ?? token('rt');
    this.access.set(accessToken, { user, expiresAt: this.opts.now() + this.opts.accessTokenTtlMs });
    this.refresh.set(refreshToken, { user, scope });
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: Math.max(1, Math.round(this.opts.accessTokenTtlMs / 1000)),
      refresh_token: refreshToken,
      scope,
    };
  }
}

function basicAuth(header: string | undefined): [string | undefined, string | undefined] {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return [undefined, undefined];
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0
    ? [undefined, undefined]
    : [decodeURIComponent(decoded.slice(0, colon)), decodeURIComponent(decoded.slice(colon + 1))];
}
