// Prometheus's promtool for the deploy/ rules test: Debian's `prometheus` package, installed once when
// missing and running as root (as scripts/bootstrap.cjs installs chromium); PROMTOOL_PATH overrides.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function ensurePromtool(): string {
  const promtool = process.env.PROMTOOL_PATH ?? '/usr/bin/promtool';
  if (existsSync(promtool)) return promtool;
  const isRoot = process.getuid?.() === 0;
  if (process.env.PROMTOOL_PATH || !isRoot || !existsSync('/usr/bin/apt-get')) {
    throw new Error(
      `promtool is missing at ${promtool}: install Debian's prometheus package (\`sudo apt-get install -y prometheus\`), run the tests as root, or set PROMTOOL_PATH`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { env, stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'prometheus'], { env, stdio: 'inherit' });
  if (!existsSync(promtool)) throw new Error(`apt-get installed prometheus, but ${promtool} is still missing`);
  return promtool;
}
