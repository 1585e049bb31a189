/**
 * Starts Google's Cloud Storage emulator (from firebase-tools, see storage-server.ts) in a child process on
 * 127.0.0.1 and a free port. Use from a test's beforeAll/afterAll:
 *
 *   const gcs = await startStorageEmulator();   // throws EmulatorStartError if it cannot start: never skip
 *   new Storage({ apiEndpoint: gcs.apiEndpoint, projectId: 'test' })
 *   await gcs.stop();
 */
import * as path from 'node:path';
import { EMULATOR_HOST, EmulatorStartError, spawnEmulator } from './process';

export interface StorageEmulatorHandle {
  host: string;
  port: number;
  /** `http://127.0.0.1:<port>`: apiEndpoint for @google-cloud/storage (or STORAGE_EMULATOR_HOST). */
  apiEndpoint: string;
  stop(): Promise<void>;
}

export async function startStorageEmulator(timeoutMs = 30_000): Promise<StorageEmulatorHandle> {
  const script = path.join(__dirname, 'storage-server.ts');
  const proc = spawnEmulator(process.execPath, ['--require', require.resolve('tsx/cjs'), script, '0'], { cwd: path.resolve(__dirname, '../..') });
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      void proc.stop();
      reject(new EmulatorStartError(`Cloud Storage emulator was not ready within ${timeoutMs} ms:\n${proc.output()}`));
    }, timeoutMs);
    proc.child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const line = buffered.split('\n').find((l) => l.startsWith('{"host"'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    proc.child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new EmulatorStartError(`Cloud Storage emulator exited (code ${code}) before it was ready:\n${proc.output()}`));
    });
  });
  return { host: EMULATOR_HOST, port, apiEndpoint: `http://${EMULATOR_HOST}:${port}`, stop: () => proc.stop() };
}
