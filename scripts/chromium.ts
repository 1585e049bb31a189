/**
 * Debian's chromium driven by playwright-core (installed by scripts/setup.sh), isolated: a fresh profile, no
 * network services of its own, no sandbox (CI runs as root). Used by the take-page tests and
 * scripts/take-page-screenshot.ts.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = process.env.BUZZFINDER_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(viewport = { width: 1100, height: 900 }): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = await fs.mkdtemp(path.join(os.tmpdir(), 'buzzfinder-chromium-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    // Playing a note after a key press is a user gesture in a real browser; headless has no speakers either way.
    '--autoplay-policy=no-user-gesture-required',
  ];
  // The fresh --user-data-dir: playwright passes `profile` as that flag.
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args, timeout: 30_000, viewport, acceptDownloads: true });
  return {
    context,
    close: async () => {
      await context.close();
      await fs.rm(profile, { recursive: true, force: true });
    },
  };
}
