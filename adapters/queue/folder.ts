/**
 * The local stack's retrain queue: a folder of message files, so the CLI (another process) can publish and
 * nothing is lost when `buzzfinder serve` is stopped or killed. Each message is one JSON file
 * `<dir>/<publish time>-<id>.json`; the subscriber (in the serve process) delivers it as a real-shaped
 * messagePublished CloudEvent and deletes the file only when the handler resolves (at least once). A handler
 * that rejects is retried with exponential backoff; after maxDeliveries the file moves to `<dir>/dead/`.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MessageHandler, messagePublishedEvent, SubscribableQueue } from './types';

interface StoredMessage {
  format: 'buzzfinder-queue-message';
  version: 1;
  messageId: string;
  publishTime: string;
  attributes: Record<string, string>;
  /** The message body (JSON). */
  data: unknown;
}

export interface FolderQueueOptions {
  dir: string;
  topic?: string;
  project?: string;
  pollMs?: number;
  maxDeliveries?: number;
  retryDelayMs?: number;
  onDeadLetter?: (messageId: string, error: unknown) => void;
}

export class FolderQueue implements SubscribableQueue {
  readonly location: string;
  private readonly dir: string;
  private readonly topic: string;
  private readonly project: string;
  private readonly pollMs: number;
  private readonly maxDeliveries: number;
  private readonly retryDelayMs: number;
  private readonly onDeadLetter: (messageId: string, error: unknown) => void;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly attempts = new Map<string, { count: number; notBefore: number }>();
  private timer: NodeJS.Timeout | undefined;
  private handler: MessageHandler | undefined;
  private scanning: Promise<void> | undefined;

  constructor(options: FolderQueueOptions) {
    this.dir = path.resolve(options.dir);
    this.topic = options.topic ?? 'buzzfinder-retrain';
    this.project = options.project ?? 'local';
    this.location = this.dir;
    this.pollMs = options.pollMs ?? 500;
    this.maxDeliveries = options.maxDeliveries ?? 8;
    this.retryDelayMs = options.retryDelayMs ?? 2000;
    this.onDeadLetter = options.onDeadLetter ?? (() => undefined);
  }

  async publish(message: unknown, attributes: Record<string, string> = {}): Promise<string> {
    const messageId = randomUUID();
    const publishTime = new Date();
    const stored: StoredMessage = { format: 'buzzfinder-queue-message', version: 1, messageId, publishTime: publishTime.toISOString(), attributes, data: message };
    await fs.mkdir(this.dir, { recursive: true });
    const name = `${publishTime.getTime().toString().padStart(15, '0')}-${messageId}.json`;
    // Written aside then renamed, so the subscriber never reads half a message.
    const temp = path.join(this.dir, `.${name}.tmp`);
    await fs.writeFile(temp, JSON.stringify(stored));
    await fs.rename(temp, path.join(this.dir, name));
    return messageId;
  }

  subscribe(handler: MessageHandler): () => Promise<void> {
    if (this.handler) throw new Error('FolderQueue supports one subscriber');
    this.handler = handler;
    const tick = () => {
      this.scanning = this.scan().catch(() => undefined);
      void this.scanning.then(() => {
        if (this.handler) this.timer = setTimeout(tick, this.pollMs);
      });
    };
    tick();
    return async () => {
      this.handler = undefined;
      if (this.timer) clearTimeout(this.timer);
      await this.scanning;
      await Promise.allSettled([...this.inFlight.values()]);
    };
  }

  /** Resolves when no message file is waiting or being handled (tests). */
  async idle(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const pending = (await this.pendingFiles()).length;
      if (pending === 0 && this.inFlight.size === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('FolderQueue.idle timed out');
  }

  async close(): Promise<void> {
    this.handler = undefined;
    if (this.timer) clearTimeout(this.timer);
    await this.scanning;
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private async pendingFiles(): Promise<string[]> {
    try {
      return (await fs.readdir(this.dir)).filter((f) => f.endsWith('.json') && !f.startsWith('.')).sort();
    } catch {
      return [];
    }
  }

  private async scan(): Promise<void> {
    const handler = this.handler;
    if (!handler) return;
    for (const file of await this.pendingFiles()) {
      if (this.inFlight.has(file)) continue;
      const attempt = this.attempts.get(file);
      if (attempt && attempt.notBefore > Date.now()) continue;
      const full = path.join(this.dir, file);
      let stored: StoredMessage;
      try {
        stored = JSON.parse(await fs.readFile(full, 'utf8')) as StoredMessage;
      } catch {
        await this.deadLetter(file, 'unreadable', new Error('unreadable message file'));
        continue;
      }
      const event = messagePublishedEvent({
        project: this.project,
        topic: this.topic,
        subscription: `${this.topic}-local`,
        messageId: stored.messageId,
        data: new TextEncoder().encode(JSON.stringify(stored.data)),
        attributes: stored.attributes,
        publishTime: new Date(stored.publishTime),
      });
      const run = (async () => {
        try {
          await handler(event);
          this.attempts.delete(file);
          await fs.rm(full, { force: true });
        } catch (err) {
          const count = (attempt?.count ?? 0) + 1;
          if (count >= this.maxDeliveries) {
            this.attempts.delete(file);
            await this.deadLetter(file, stored.messageId, err);
          } else {
            this.attempts.set(file, { count, notBefore: Date.now() + this.retryDelayMs * 2 ** (count - 1) });
          }
        }
      })().finally(() => this.inFlight.delete(file));
      this.inFlight.set(file, run);
    }
  }

  private async deadLetter(file: string, messageId: string, err: unknown): Promise<void> {
    await fs.mkdir(path.join(this.dir, 'dead'), { recursive: true });
    await fs.rename(path.join(this.dir, file), path.join(this.dir, 'dead', file)).catch(() => undefined);
    this.onDeadLetter(messageId, err);
  }
}
