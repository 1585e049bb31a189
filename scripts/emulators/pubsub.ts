/**
 * Starts Google's Pub/Sub emulator (Debian package `google-cloud-cli-pubsub-emulator`, Java 17) on
 * 127.0.0.1 and a free port; waits until it answers; stop() ends the whole process group.
 *
 *   const ps = await startPubsubEmulator();        // throws EmulatorStartError: never skip
 *   new PubSub({ apiEndpoint: ps.endpoint, projectId: 'test' })   (or PUBSUB_EMULATOR_HOST=ps.endpoint)
 *   await ps.stop();
 *
 * The launcher is found at BUZZFINDER_PUBSUB_EMULATOR (if set), in the Debian package's location, or via gcloud's SDK root.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { EMULATOR_HOST, EmulatorStartError, freePort, spawnEmulator, waitUntilReady } from './process';

const CANDIDATES = [
  '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator',
  '/usr/share/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator',
  '/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator',
];

export const PUBSUB_EMULATOR_PACKAGE = 'google-cloud-cli-pubsub-emulator';

export function findPubsubEmulator(): string {
  const fromEnv = process.env.BUZZFINDER_PUBSUB_EMULATOR;
  const found = [fromEnv, ...CANDIDATES].find((p): p is string => !!p && existsSync(p));
  if (!found) {
    throw new EmulatorStartError(
      `Pub/Sub emulator not found (looked in ${CANDIDATES.join(', ')}). Install it with: ` +
        `apt-get install -y ${PUBSUB_EMULATOR_PACKAGE} openjdk-17-jre-headless (Google Cloud apt repository), ` +
        'or set BUZZFINDER_PUBSUB_EMULATOR to the cloud-pubsub-emulator launcher.',
    );
  }
  return found;
}

export interface PubsubEmulatorHandle {
  host: string;
  port: number;
  /** `127.0.0.1:<port>`: PUBSUB_EMULATOR_HOST / apiEndpoint for @google-cloud/pubsub. */
  endpoint: string;
  stop(): Promise<void>;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: EMULATOR_HOST, port, path: '/', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

export async function startPubsubEmulator(timeoutMs = 60_000): Promise<PubsubEmulatorHandle> {
  const launcher = findPubsubEmulator();
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bf-pubsub-emulator-'));
  const proc = spawnEmulator(launcher, [`--host=${EMULATOR_HOST}`, `--port=${port}`, `--dir=${dataDir}`], {
    env: { ...process.env, JAVA_TOOL_OPTIONS: '-Xmx256m' },
  });
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
  try {
    await waitUntilReady('Pub/Sub emulator', proc, () => answers(port), timeoutMs);
  } catch (err) {
    cleanup();
    throw err;
  }
  return {
    host: EMULATOR_HOST,
    port,
    endpoint: `${EMULATOR_HOST}:${port}`,
    async stop() {
      await proc.stop();
      cleanup();
    },
  };
}
