// `npm run apicbase-auth -- <command>`: connects order-relay to Apicbase's API with the OAuth2
// authorization-code flow (docs/apicbase.md), or stores a token created in the Apicbase UI.
// Tokens go to the encrypted token store and are never printed.
//   authorize-url            the URL to open and approve
//   exchange <code|url>      trade the code (or the whole redirect URL) for tokens, store them; the
//                            state must be the last authorize-url's (--state with a bare code)
//   set-token <token|->      store a UI-created token ("-": read it from stdin)
//   status [--check]         what is stored, when it expires / is refreshed; --check calls the API once
//   refresh                  refresh the access token now
import { Command, InvalidArgumentError } from 'commander';
import ms from 'ms';
import path from 'node:path';
import { loadConfig, type Config } from '../config';
import { wantsApicbaseSandbox } from '../apicbase/sandbox/embedded';
import { ApicbaseTokens } from '../apicbase/access-tokens';
import { apicbaseAccessFrom, apicbaseApiClientFrom } from '../apicbase/from-config';
import { authorizationFromInput, authorizeUrl, exchangeCode, tokensFromResponse } from '../apicbase/oauth';
import { PendingOAuthState } from '../apicbase/oauth-state';
import type { StoredTokens } from '../apicbase/token-store';

export interface AuthCliIo {
  out: (line: string) => void;
  /** Reads all of stdin (for `set-token -`). */
  readStdin?: () => Promise<string>;
}

const NEED_OAUTH =
  'Set APICBASE_CLIENT_ID (and APICBASE_CLIENT_SECRET, APICBASE_REDIRECT_URI as registered at Apicbase) and APICBASE_API_URL or APICBASE_AUTHORIZE_URL / APICBASE_TOKEN_URL.';

function parseDuration(value: string): number {
  const parsed = ms(value as ms.StringValue) as number | undefined;
  if (typeof parsed !== 'number' || !(parsed > 0))
    throw new InvalidArgumentError('must be a duration such as 7d or 3600s');
  return parsed;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function describeTokens(tokens: StoredTokens, provider: ApicbaseTokens): string[] {
  const due = provider.refreshDueAt(tokens);
  return [
    `kind:           ${tokens.kind === 'oauth' ? 'OAuth (authorization code)' : 'pasted (created in the Apicbase UI)'}`,
    `obtained:       ${tokens.obtainedAt}`,
    `expires:        ${tokens.expiresAt ?? 'unknown'}${tokens.expiresAt && Date.parse(tokens.expiresAt) <= Date.now() ? ' (EXPIRED)' : ''}`,
    `refresh token:  ${tokens.refreshToken ? 'yes' : 'no'}`,
    ...(due && tokens.refreshToken ? [`refreshed from: ${due.toISOString()}`] : []),
  ];
}

/**
 * With no real Apicbase configured, `npm start` runs the Apicbase sandbox and pulls from it with a token
 * store of its own (src/apicbase/sandbox/embedded.ts): `status` looks there, as the relay does (issue 26.5).
 */
function asTheRelaySeesIt(config: Config): { config: Config; sandbox: boolean } {
  if (config.APICBASE_API_URL || !wantsApicbaseSandbox(config)) return { config, sandbox: false };
  return {
    config: {
      ...config,
      APICBASE_API_URL: `http://127.0.0.1:${config.APICBASE_SANDBOX_PORT}`,
      APICBASE_TOKEN_STORE: path.join(config.DATA_DIR, 'apicbase-sandbox-tokens.enc'),
    },
    sandbox: true,
  };
}

/** The state of the last `authorize-url`, beside the token store. */
function pendingStateOf(access: { store: { file: string } }): PendingOAuthState {
  return new PendingOAuthState(`${access.store.file}.state`);
}

export function apicbaseAuthCommand(config: Config, io: AuthCliIo): Command {
  const out = io.out;
  const program = new Command('apicbase-auth').description(
    'Connect order-relay to the Apicbase API (OAuth2 authorization code, or a UI token)',
  );
  program.exitOverride();

  program
    .command('authorize-url')
    .description('print the URL to open in a browser and approve')
    .option('--state <state>', 'the OAuth state parameter (default: random); `exchange` checks it')
    .action((opts: { state?: string }) => {
      const access = apicbaseAccessFrom(config);
      if (!access.oauth) throw new Error(NEED_OAUTH);
      out(authorizeUrl(access.oauth, pendingStateOf(access).begin(opts.state)));
      out('');
      out(
        'Open it, approve, then run: npm run apicbase-auth -- exchange "<the code, or the whole URL you were redirected to>"',
      );
    });

  program
    .command('exchange')
    .description('exchange an authorization code (or the redirect URL holding it) for tokens and store them')
    .argument('<code-or-redirect-url>')
    .option('--state <state>', 'with a bare code: the state parameter of the redirect URL it came in')
    .action(async (input: string, opts: { state?: string }) => {
      const access = apicbaseAccessFrom(config);
      if (!access.oauth) throw new Error(NEED_OAUTH);
      const { code, state } = authorizationFromInput(input);
      if (state !== undefined && opts.state !== undefined && state !== opts.state)
        throw new Error("--state differs from the redirect URL's state");
      // Only a code from the authorization `authorize-url` started here is exchanged (no login CSRF).
      pendingStateOf(access).check(state ?? opts.state);
      const tokens = tokensFromResponse(await exchangeCode(access.oauth, code), new Date());
      access.store.write(tokens);
      out(`Stored in ${access.store.file} (encrypted).`);
      for (const line of describeTokens(tokens, access.tokens)) out(`  ${line}`);
    });

  program
    .command('set-token')
    .description(
      'store an access token created in the Apicbase UI ("-" reads it from stdin, keeping it out of shell history)',
    )
    .argument('<token>')
    .option('--expires-in <duration>', 'when it expires, if known (e.g. 7d)', parseDuration)
    .option('--refresh-token <token>', 'a refresh token that goes with it')
    .action(async (given: string, opts: { expiresIn?: number; refreshToken?: string }) => {
      const access = apicbaseAccessFrom(config);
      const token = (given === '-' ? await (io.readStdin ?? (() => readAll(process.stdin)))() : given).trim();
      if (!token || /\s/.test(token)) throw new Error('the token must be one word');
      const now = new Date();
      const tokens: StoredTokens = {
        kind: opts.refreshToken ? 'oauth' : 'pasted',
        accessToken: token,
        ...(opts.refreshToken ? { refreshToken: opts.refreshToken } : {}),
        ...(opts.expiresIn ? { expiresAt: new Date(now.getTime() + opts.expiresIn).toISOString() } : {}),
        obtainedAt: now.toISOString(),
      };
      access.store.write(tokens);
      out(`Stored in ${access.store.file} (encrypted).`);
      for (const line of describeTokens(tokens, access.tokens)) out(`  ${line}`);
    });

  program
    .command('status')
    .description('show what is stored (never the token itself)')
    .option('--check', 'call the purchase-order list once to prove the token works')
    .action(async (opts: { check?: boolean }) => {
      const { config: seen, sandbox } = asTheRelaySeesIt(config);
      const access = apicbaseAccessFrom(seen);
      out(
        `API:            ${seen.APICBASE_API_URL ?? 'not set (APICBASE_API_URL): webhook only'}${sandbox ? ' (the embedded Apicbase SANDBOX `npm start` runs: no real Apicbase is set; it authorizes by itself)' : ''}`,
      );
      out(`mode:           ${config.APICBASE_MODE}`);
      out(
        `OAuth client:   ${access.oauth ? `${access.oauth.clientId} via ${access.oauth.tokenUrl}` : 'not configured'}`,
      );
      if (config.APICBASE_ACCESS_TOKEN)
        out('token:          APICBASE_ACCESS_TOKEN is set and used as is (the store is ignored)');
      const tokens = access.store.read();
      out(`store:          ${access.store.file}${tokens ? '' : ' (empty)'}`);
      if (tokens) for (const line of describeTokens(tokens, access.tokens)) out(`  ${line}`);
      if (opts.check) {
        const api = apicbaseApiClientFrom(seen, access);
        if (!api) throw new Error('APICBASE_API_URL is not set: nothing to check');
        const page = await api.listPurchaseOrders({ page: 1, pageSize: 1 });
        out(`check:          OK (${page.count ?? 'unknown number of'} ORDERED orders)`);
      }
    });

  program
    .command('refresh')
    .description('refresh the access token now with the stored refresh token')
    .action(async () => {
      const access = apicbaseAccessFrom(config);
      const tokens = access.store.read();
      if (!tokens?.refreshToken) throw new Error('no refresh token is stored');
      // Treat the stored token as refused: the provider refreshes and stores the new pair.
      await access.tokens.refused(tokens.accessToken);
      const fresh = access.store.read()!;
      out('Refreshed.');
      for (const line of describeTokens(fresh, access.tokens)) out(`  ${line}`);
    });

  return program;
}

if (require.main === module) {
  const io: AuthCliIo = { out: (line) => process.stdout.write(`${line}\n`) };
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  apicbaseAuthCommand(config, io)
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      const code = (err as { code?: string }).code;
      if (code === 'commander.helpDisplayed' || code === 'commander.help' || code === 'commander.version')
        process.exit(0);
      if (typeof code === 'string' && code.startsWith('commander.')) process.exit(1); // commander printed it
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
