/**
 * Runs Google's Cloud Storage emulator (the one inside firebase-tools) as a plain HTTP server speaking the
 * Cloud Storage JSON API, without the Java security-rules runtime (the JSON API is served through the
 * emulator's admin storage layer, which never consults rules).
 *
 * Usage: node --require tsx/cjs scripts/emulators/storage-server.ts [port]   (0 / absent = a free port)
 * Prints one JSON line `{"host":"127.0.0.1","port":N}` when it is listening; exits on SIGTERM/SIGINT or
 * when its stdin closes (so a parent that dies never leaves it running). Blobs live in a private temp folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

/* eslint-disable @typescript-eslint/no-require-imports */
const { StorageEmulator } = require('firebase-tools/lib/emulator/storage/index');
const { createApp } = require('firebase-tools/lib/emulator/storage/server');
const { EmulatorRegistry } = require('firebase-tools/lib/emulator/registry');
/* eslint-enable @typescript-eslint/no-require-imports */

const HOST = '127.0.0.1';

async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? 0);
  const blobs = mkdtempSync(path.join(os.tmpdir(), 'bf-gcs-emulator-'));
  const emulator = new StorageEmulator({ projectId: 'buzzfinder-test', host: HOST, port, rules: undefined, auto_download: false });
  // The emulator's default blob folder is shared by every instance on the machine; use our own.
  emulator._persistence.reset(blobs);
  const app = await createApp('buzzfinder-test', emulator);
  const server: Server = app.listen(port, HOST);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('storage emulator: no TCP address');
  // Bucket metadata asks the registry for the emulator's own URL.
  emulator.args.port = address.port;
  EmulatorRegistry.set('storage', emulator);
  process.stdout.write(JSON.stringify({ host: HOST, port: address.port }) + '\n');

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    server.close(() => {
      rmSync(blobs, { recursive: true, force: true });
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}

main().catch((err) => {
  process.stderr.write(`storage emulator failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
