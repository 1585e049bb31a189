/**
 * The local stack's retrain queue: in-process, at-least-once like Pub/Sub. A handler that rejects gets
 * the message again after a backoff, up to `maxDeliveries` times (then it is logged and dropped, like a
 * dead-letter topic). Delivery is asynchronous: publish() returns before the handler runs.
 */
import { randomUUID } from 'node:crypto';
import { MessageHandler, messagePublishedEvent, SubscribableQueue } from './types';

export interface InProcessQueueOptions {
  topic?: string;
  project?: string;
  maxDeliveries?: number;
  /** First redelivery delay; doubles per attempt (Pub/Sub's exponential retry policy in miniature). */
  retryDelayMs?: number;
  onDeadLetter?: (messageId: string, error: unknown) => void;
}

export class InProcessQueue implements SubscribableQueue {
  readonly location: string;
  private readonly topic: string;
  private readonly project: string;
  private readonly maxDeliveries: number;
  private readonly retryDelayMs: number;
  private readonly onDeadLetter: (messageId: string, error: unknown) => void;
  private readonly handlers = new Set<MessageHandler>();
  private readonly backlog: { id: string; data: Uint8Array; attributes: Record<string, string>; publishTime: Date }[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(options: InProcessQueueOptions = {}) {
    this.topic = options.topic ?? 'buzzfinder-retrain';
    this.project = options.project ?? 'local';
    this.location = `memory://${this.topic}`;
    this.maxDeliveries = options.maxDeliveries ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.onDeadLetter = options.onDeadLetter ?? (() => undefined);
  }

  async publish(message: unknown, attributes: Record<string, string> = {}): Promise<string> {
    if (this.closed) throw new Error('queue is closed');
    const id = randomUUID();
    const entry = { id, data: new TextEncoder().encode(JSON.stringify(message)), attributes: { ...attributes }, publishTime: new Date() };
    if (this.handlers.size === 0) this.backlog.push(entry);
    else for (const handler of this.handlers) this.deliver(handler, entry, 1);
    return id;
  }

  subscribe(handler: MessageHandler): () => Promise<void> {
    this.handlers.add(handler);
    // Messages published before anyone listened are kept, like a subscription's backlog.
    for (const entry of this.backlog.splice(0)) this.deliver(handler, entry, 1);
    return async () => {
      this.handlers.delete(handler);
    };
  }

  /** Resolves when nothing is in flight or waiting for a retry (tests, clean shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.timers.size > 0) {
      await Promise.race([...this.inFlight, new Promise((r) => setTimeout(r, 20))]);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
    this.handlers.clear();
  }

  private deliver(handler: MessageHandler, entry: (typeof this.backlog)[number], attempt: number): void {
    const event = messagePublishedEvent({
      project: this.project,
      topic: this.topic,
      subscription: `${this.topic}-local`,
      messageId: entry.id,
      data: entry.data,
      attributes: entry.attributes,
      publishTime: entry.publishTime,
    });
    const run: Promise<void> = (async () => {
      await new Promise((r) => setImmediate(r));
      try {
        await handler(event);
      } catch (err) {
        if (this.closed) return;
        if (attempt >= this.maxDeliveries) {
          this.onDeadLetter(entry.id, err);
          return;
        }
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          if (!this.closed && this.handlers.has(handler)) this.deliver(handler, entry, attempt + 1);
        }, this.retryDelayMs * 2 ** (attempt - 1));
        this.timers.add(timer);
      }
    })().finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }
}
