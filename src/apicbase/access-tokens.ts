// The bearer token for each Apicbase call: a pasted token as is, or the stored OAuth token, refreshed
// with the refresh token BEFORE it expires (APICBASE_TOKEN_REFRESH_MARGIN_MS ahead, at most half its
// lifetime) and once more when Apicbase refuses it. One refresh at a time per process; another
// process sharing the store may refresh too, so a refused refresh first re-reads the store.
import { refreshAccessToken, tokensFromResponse, type OAuthSettings } from './oauth';
import { ApicbaseAuthError } from './errors';
import type { StoredTokens, TokenStore } from './token-store';

export interface AccessTokenSource {
  /** A token that is not about to expire. */
  accessToken(): Promise<string>;
  /** Apicbase refused `used` (HTTP 401): true when a different token is now available to try. */
  refused(used: string): Promise<boolean>;
}

export interface ApicbaseTokensOptions {
  /** APICBASE_ACCESS_TOKEN: used as is, never refreshed. */
  pasted?: string | undefined;
  store?: TokenStore | undefined;
  oauth?: OAuthSettings | undefined;
  refreshMarginMs: number;
  now?: () => Date;
}

const HOW_TO_AUTHORIZE =
  'run `npm run apicbase-auth -- authorize-url`, then `npm run apicbase-auth -- exchange <code>` (or `set-token`)';

export class ApicbaseTokens implements AccessTokenSource {
  private refreshing?: Promise<StoredTokens>;
  private readonly now: () => Date;

  constructor(private readonly opts: ApicbaseTokensOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  async accessToken(): Promise<string> {
    if (this.opts.pasted) return this.opts.pasted;
    const tokens = this.stored();
    if (!this.needsRefresh(tokens)) return tokens.accessToken;
    if (!tokens.refreshToken || !this.opts.oauth) {
      if (this.expired(tokens))
        throw new ApicbaseAuthError(
          `the Apicbase access token expired and cannot be refreshed: ${HOW_TO_AUTHORIZE}`,
          'token',
          'no-token',
        );
      return tokens.accessToken; // expiring soon; nothing to refresh it with
    }
    try {
      return (await this.refresh(tokens)).accessToken;
    } catch (err) {
      // A passing fault of the token endpoint while the old token still works: use it, refresh next time.
      if (!this.expired(tokens) && !(err instanceof ApicbaseAuthError)) return tokens.accessToken;
      throw err;
    }
  }

  async refused(used: string): Promise<boolean> {
    if (this.opts.pasted) return false;
    const tokens = this.stored();
    if (tokens.accessToken !== used) return true; // someone stored a newer token meanwhile
    if (!tokens.refreshToken || !this.opts.oauth) return false;
    const fresh = await this.refresh(tokens);
    return fresh.accessToken !== used;
  }

  /** When the stored token will be refreshed (for `status`). */
  refreshDueAt(tokens: StoredTokens): Date | undefined {
    if (!tokens.expiresAt) return undefined;
    return new Date(Date.parse(tokens.expiresAt) - this.marginFor(tokens));
  }

  private stored(): StoredTokens {
    const tokens = this.opts.store?.read();
    if (!tokens) throw new ApicbaseAuthError(`no Apicbase token is stored: ${HOW_TO_AUTHORIZE}`, 'token', 'no-token');
    return tokens;
  }

  private marginFor(tokens: StoredTokens): number {
    if (!tokens.expiresAt) return 0;
    const lifetime = Date.parse(tokens.expiresAt) - Date.parse(tokens.obtainedAt);
    // Never more than half the lifetime: a short-lived token would otherwise be refreshed on every call.
    return Number.isFinite(lifetime) && lifetime > 0
      ? Math.min(this.opts.refreshMarginMs, lifetime / 2)
      : this.opts.refreshMarginMs;
  }

  private needsRefresh(tokens: StoredTokens): boolean {
    if (!tokens.expiresAt) return false;
    return Date.parse(tokens.expiresAt) - this.now().getTime() <= this.marginFor(tokens);
  }

  private expired(tokens: StoredTokens): boolean {
    return tokens.expiresAt !== undefined && Date.parse(tokens.expiresAt) <= this.now().getTime();
  }

  private refresh(tokens: StoredTokens): Promise<StoredTokens> {
    this.refreshing ??= this.doRefresh(tokens).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(tokens: StoredTokens): Promise<StoredTokens> {
    const store = this.opts.store!;
    const oauth = this.opts.oauth!;
    // Another process may have refreshed already (and the old refresh token may be revoked).
    const current = store.read() ?? tokens;
    if (current.accessToken !== tokens.accessToken && !this.needsRefresh(current)) return current;
    try {
      const response = await refreshAccessToken(oauth, current.refreshToken ?? tokens.refreshToken!);
      const fresh = tokensFromResponse(response, this.now(), current);
      store.write(fresh);
      return fresh;
    } catch (err) {
      if (err instanceof ApicbaseAuthError) {
        const latest = store.read();
        if (latest && latest.refreshToken !== current.refreshToken && !this.needsRefresh(latest)) return latest;
        throw new ApicbaseAuthError(
          `${err.message}; the stored refresh token no longer works: ${HOW_TO_AUTHORIZE}`,
          'token',
          'refresh-failed',
          err.httpStatus,
        );
      }
      throw err;
    }
  }
}
