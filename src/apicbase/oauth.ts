// Apicbase's OAuth2 as it offers it: the authorization-code flow only (no client credentials).
// An operator opens the authorize URL, approves, and hands us the code (or the whole redirect URL);
// we exchange it at the token endpoint. Access tokens live about a week; refresh tokens do not expire.
// Nothing here logs, and no error message carries a token or a client secret.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ApicbaseAuthError, ApicbaseTransientError, apicbaseDetail } from './errors';
import type { StoredTokens } from './token-store';

export interface OAuthSettings {
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret?: string;
  redirectUri?: string;
  scope?: string;
  timeoutMs: number;
}

export interface OAuthConfigSource {
  APICBASE_API_URL?: string | undefined;
  APICBASE_AUTHORIZE_URL?: string | undefined;
  APICBASE_TOKEN_URL?: string | undefined;
  APICBASE_CLIENT_ID?: string | undefined;
  APICBASE_CLIENT_SECRET?: string | undefined;
  APICBASE_REDIRECT_URI?: string | undefined;
  APICBASE_SCOPE?: string | undefined;
  APICBASE_TIMEOUT_MS: number;
}

/** The OAuth endpoints default to /oauth/authorize/ and /oauth/token/ on the API's host. */
export function oauthSettings(config: OAuthConfigSource): OAuthSettings | undefined {
  const base = config.APICBASE_API_URL?.replace(/\/+$/, '');
  const tokenUrl = config.APICBASE_TOKEN_URL ?? (base ? `${base}/oauth/token/` : undefined);
  const authorizeUrl = config.APICBASE_AUTHORIZE_URL ?? (base ? `${base}/oauth/authorize/` : undefined);
  if (!config.APICBASE_CLIENT_ID || !tokenUrl || !authorizeUrl) return undefined;
  return {
    authorizeUrl,
    tokenUrl,
    clientId: config.APICBASE_CLIENT_ID,
    ...(config.APICBASE_CLIENT_SECRET ? { clientSecret: config.APICBASE_CLIENT_SECRET } : {}),
    ...(config.APICBASE_REDIRECT_URI ? { redirectUri: config.APICBASE_REDIRECT_URI } : {}),
    ...(config.APICBASE_SCOPE ? { scope: config.APICBASE_SCOPE } : {}),
    timeoutMs: config.APICBASE_TIMEOUT_MS,
  };
}

/** The URL the operator opens to approve order-relay's access. */
export function authorizeUrl(settings: OAuthSettings, state: string = randomBytes(12).toString('hex')): string {
  const url = new URL(settings.authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', settings.clientId);
  if (settings.redirectUri) url.searchParams.set('redirect_uri', settings.redirectUri);
  if (settings.scope) url.searchParams.set('scope', settings.scope);
  url.searchParams.set('state', state);
  return url.toString();
}

/** What came back from an authorization: the code, and the state when the whole redirect URL was given. */
export interface AuthorizationResponse {
  code: string;
  state?: string;
}

/** The authorization code (and state) from either the bare code or the URL the browser was redirected to. */
export function authorizationFromInput(input: string): AuthorizationResponse {
  const text = input.trim();
  if (!/^https?:\/\//i.test(text)) {
    if (!/^[\w.~+/=-]+$/.test(text)) throw new Error('That is neither an authorization code nor a redirect URL');
    return { code: text };
  }
  const url = new URL(text);
  const error = url.searchParams.get('error');
  if (error)
    throw new Error(
      `Apicbase did not authorize: ${error}${url.searchParams.get('error_description') ? ` (${url.searchParams.get('error_description')})` : ''}`,
    );
  const code = url.searchParams.get('code');
  if (!code) throw new Error('The redirect URL has no "code" parameter');
  const state = url.searchParams.get('state');
  return state === null ? { code } : { code, state };
}

/** The authorization code from either the bare code or the URL the browser was redirected to. */
export function codeFromInput(input: string): string {
  return authorizationFromInput(input).code;
}

const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().positive().optional(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
});

export type TokenResponse = z.infer<typeof tokenResponseSchema>;

export function exchangeCode(settings: OAuthSettings, code: string): Promise<TokenResponse> {
  return tokenRequest(settings, {
    grant_type: 'authorization_code',
    code,
    ...(settings.redirectUri ? { redirect_uri: settings.redirectUri } : {}),
  });
}

export function refreshAccessToken(settings: OAuthSettings, refreshToken: string): Promise<TokenResponse> {
  return tokenRequest(settings, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

/** What to store from a token response; the refresh token is kept when the answer does not rotate it. */
export function tokensFromResponse(response: TokenResponse, now: Date, previous?: StoredTokens): StoredTokens {
  const refreshToken = response.refresh_token ?? previous?.refreshToken;
  return {
    kind: 'oauth',
    accessToken: response.access_token,
    ...(refreshToken ? { refreshToken } : {}),
    ...(response.expires_in ? { expiresAt: new Date(now.getTime() + response.expires_in * 1000).toISOString() } : {}),
    obtainedAt: now.toISOString(),
    ...(response.scope ? { scope: response.scope } : {}),
  };
}

async function tokenRequest(settings: OAuthSettings, grant: Record<string, string>): Promise<TokenResponse> {
  // Client credentials in the body (RFC 6749 §2.3.1), which django-oauth-toolkit style servers accept.
  const form = new URLSearchParams({
    ...grant,
    client_id: settings.clientId,
    ...(settings.clientSecret ? { client_secret: settings.clientSecret } : {}),
  });
  let response: Response;
  try {
    response = await fetch(settings.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form,
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
  } catch (err) {
    const timeout = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    throw new ApicbaseTransientError(`token endpoint ${timeout ? 'timed out' : 'unreachable'}`, 'token', {
      reason: timeout ? 'timeout' : 'network',
    });
  }
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.status >= 500 || response.status === 429) {
    throw new ApicbaseTransientError(`token endpoint answered HTTP ${response.status}`, 'token', {
      reason: response.status === 429 ? 'rate-limited' : 'server-error',
      httpStatus: response.status,
    });
  }
  if (!response.ok) {
    // invalid_grant, invalid_client, …: only the OAuth error code and description, never the request.
    const detail = apicbaseDetail(body) ?? `HTTP ${response.status}`;
    throw new ApicbaseAuthError(
      `token endpoint refused the ${grant.grant_type} grant: ${detail}`,
      'token',
      'refresh-failed',
      response.status,
    );
  }
  const parsed = tokenResponseSchema.safeParse(body);
  if (!parsed.success)
    throw new ApicbaseTransientError('token endpoint answered without an access_token', 'token', {
      reason: 'bad-response',
      httpStatus: response.status,
    });
  return parsed.data;
}
