// Builds the Apicbase API client, its token source and the token store from configuration
// (shared by the worker and the apicbase-auth CLI).
import type { Config } from '../config';
import type { Logger } from '../logger';
import { ApicbaseTokens } from './access-tokens';
import { ApicbaseApiClient } from './api-client';
import { oauthSettings, type OAuthSettings } from './oauth';
import { TokenStore, defaultTokenStoreFile, resolveTokenKey } from './token-store';

export function tokenStoreFrom(config: Config): TokenStore {
  const file = config.APICBASE_TOKEN_STORE ?? defaultTokenStoreFile(config.DATA_DIR);
  return new TokenStore(file, resolveTokenKey({ key: config.APICBASE_TOKEN_KEY, dataDir: config.DATA_DIR }));
}

export interface ApicbaseAccess {
  store: TokenStore;
  oauth: OAuthSettings | undefined;
  tokens: ApicbaseTokens;
}

export function apicbaseAccessFrom(config: Config): ApicbaseAccess {
  const store = tokenStoreFrom(config);
  const oauth = oauthSettings(config);
  const tokens = new ApicbaseTokens({
    pasted: config.APICBASE_ACCESS_TOKEN,
    store,
    oauth,
    refreshMarginMs: config.APICBASE_TOKEN_REFRESH_MARGIN_MS,
  });
  return { store, oauth, tokens };
}

/** The API client, or undefined when APICBASE_API_URL is not set (webhook only, nothing to pull). */
export function apicbaseApiClientFrom(
  config: Config,
  access: ApicbaseAccess,
  logger?: Logger,
): ApicbaseApiClient | undefined {
  if (!config.APICBASE_API_URL) return undefined;
  return new ApicbaseApiClient({
    baseUrl: config.APICBASE_API_URL,
    tokens: access.tokens,
    timeoutMs: config.APICBASE_TIMEOUT_MS,
    patchPath: config.APICBASE_PATCH_PATH,
    fetchedPatchBody: config.APICBASE_FETCHED_PATCH_BODY,
    viewedPatchBody: config.APICBASE_VIEWED_PATCH_BODY,
    ...(logger ? { logger } : {}),
  });
}
