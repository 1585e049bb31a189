/**
 * Start/stop helpers shared by the emulator launchers: free ports, readiness with a timeout, always stop.
 * Emulators bind 127.0.0.1 only.
 */
import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import * as net from 'node:net';

export const EMULATOR_HOST = '127.0.0.1';

export class EmulatorStartError extends Error {}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, EMULATOR_HOST, () => {
      const address = server.address();
      server.close(() => (address && typeof address !== 'string' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface RunningProcess {
  child: ChildProcess;
  /** Everything the process printed, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Spawns a process in its own process group (so stop() also ends its children, e.g. a java launched by a shell script). */
export function spawnEmulator(command: string, args: string[], options: SpawnOptions = {}): RunningProcess {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, ...options });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20000)));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      const group = -child.pid;
      try {
        process.kill(group, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(group, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
      child.stdin?.destroy();
    },
  };
}

/** Polls `probe` until it resolves true, the process exits, or the timeout passes (then stops it and throws). */
export async function waitUntilReady(name: string, proc: RunningProcess, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new EmulatorStartError(`${name} exited before it was ready (code ${proc.child.exitCode}):\n${proc.output()}`);
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      await proc.stop();
      throw new EmulatorStartError(`${name} was not ready within ${timeoutMs} ms:\n${proc.output()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
