// The OAuth `state` that `apicbase-auth authorize-url` put in the URL it printed, kept beside the token
// store until `exchange` checks it (issue 24.9): a redirect URL that someone else's authorization made
// (login CSRF — their code, their Apicbase account, our token store) carries another state and is
// refused. Single use: `exchange` forgets the state whatever the outcome; a new `authorize-url` replaces it.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sameSecret } from '../same-secret';

export class OAuthStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OAuthStateError';
  }
}

const RUN_AUTHORIZE_URL =
  'run `npm run apicbase-auth -- authorize-url` again, approve, and paste the URL you are then redirected to';

export class PendingOAuthState {
  /** `<token store>.state`, mode 0600. */
  constructor(readonly file: string) {}

  /** Records the state of a new authorize URL (random unless given) and returns it. */
  begin(given?: string): string {
    const state = given ?? randomBytes(16).toString('hex');
    if (!/^[\w.~-]{8,200}$/.test(state))
      throw new OAuthStateError('--state must be 8 to 200 letters, digits or . _ ~ -');
    mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileSync(this.file, `${state}\n`, { mode: 0o600 });
    return state;
  }

  /** Checks the state that came back with a code against the pending one, and forgets the pending one. */
  check(received: string | undefined): void {
    const pending = this.take();
    if (!pending) throw new OAuthStateError(`No authorization is pending (or it was used): ${RUN_AUTHORIZE_URL}`);
    if (received === undefined) {
      throw new OAuthStateError(
        `A bare code cannot be checked against the authorization's state: paste the whole redirect URL, or add --state <its state parameter>; ${RUN_AUTHORIZE_URL}`,
      );
    }
    if (!sameSecret(received, pending)) {
      throw new OAuthStateError(
        `The code's state is not the one \`authorize-url\` made here (a redirect URL from someone else's authorization?): nothing stored; ${RUN_AUTHORIZE_URL}`,
      );
    }
  }

  private take(): string | undefined {
    let pending: string | undefined;
    try {
      pending = readFileSync(this.file, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
    rmSync(this.file, { force: true });
    return pending;
  }
}
