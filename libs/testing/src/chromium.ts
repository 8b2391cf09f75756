import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';

const ENSURE_SCRIPT = resolve(__dirname, '../../../scripts/ensure-chromium.sh');

/** The path of a Chromium binary, Debian's package installed first if the machine has none. */
export async function ensureChromium(): Promise<string> {
  const { stdout } = await promisify(execFile)(ENSURE_SCRIPT, { timeout: 600_000 });
  const binary = stdout.trim().split('\n').pop();
  if (!binary) throw new Error(`${ENSURE_SCRIPT} printed no path`);
  return binary;
}

/**
 * Headless Chromium driven by playwright-core (Playwright's own browser download cannot work
 * here), with a fresh profile of its own and nothing that calls out to the network by itself.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: await ensureChromium(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
