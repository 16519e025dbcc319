// Debian's `chromium` for tests, driven by playwright-core (which downloads no browser of its own):
// headless, in a fresh profile that playwright makes and removes, with nothing that reaches out of
// the machine. Without chromium the browser tests are skipped with the reason, except under
// CI=true, where that fails.

import { spawnSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests cannot run here (undefined: they can). Under CI=true a missing chromium throws. */
export function chromiumSkipReason(): string | undefined {
  const probe = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.status === 0 && /Chromium/.test(probe.stdout)) return undefined;
  const reason = `chromium not available (apt-get install chromium): ${probe.error?.message ?? probe.stderr}`;
  if (process.env.CI === 'true') throw new Error(reason);
  return reason;
}

/** Starts headless chromium; closed at teardown. */
export async function launchChromium(t: { teardown(fn: () => unknown): void }): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', // as root in a container: the sandbox needs namespaces it may not have
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  t.teardown(() => browser.close());
  return browser;
}
