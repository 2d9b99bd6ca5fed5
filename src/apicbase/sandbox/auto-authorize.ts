// Runs the whole authorization-code flow against the Apicbase sandbox, whose authorize page approves
// at once: open the authorize URL, take the code from the redirect (or the JSON answer), exchange it,
// store the tokens. The same exchange and store as `apicbase-auth exchange`; only the browser step
// is automatic. Never for the real Apicbase, where a person must approve.
import { authorizeUrl, codeFromInput, exchangeCode, tokensFromResponse, type OAuthSettings } from '../oauth';
import type { StoredTokens, TokenStore } from '../token-store';

export async function authorizeWithSandbox(settings: OAuthSettings, store: TokenStore): Promise<StoredTokens> {
  const response = await fetch(authorizeUrl(settings), {
    redirect: 'manual',
    signal: AbortSignal.timeout(settings.timeoutMs),
  });
  let code: string;
  const location = response.headers.get('location');
  if (location) {
    code = codeFromInput(location);
  } else {
    const body = (await response.json()) as { code?: unknown };
    if (!response.ok || typeof body.code !== 'string')
      throw new Error(`the sandbox did not authorize (HTTP ${response.status})`);
    code = body.code;
  }
  const tokens = tokensFromResponse(await exchangeCode(settings, code), new Date());
  store.write(tokens);
  return tokens;
}
