/**
 * The retrain queue: one interface over Pub/Sub (cloud) and an in-process queue (the local stack).
 * Consumers receive what Eventarc delivers to a gen2 function for a Pub/Sub topic: a
 * `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent whose data is
 * `{ message: { data: base64, messageId, publishTime, attributes }, subscription }`.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';

export const PUBSUB_MESSAGE_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

export interface PubsubMessageData {
  message: {
    /** base64 of the message body. */
    data: string;
    messageId: string;
    /** Eventarc also sends the snake_case twins; both are filled for fidelity. */
    message_id?: string;
    publishTime: string;
    publish_time?: string;
    attributes?: Record<string, string>;
    orderingKey?: string;
  };
  subscription: string;
}

export type MessagePublishedEvent = CloudEvent<PubsubMessageData>;

/** A consumer: resolve = acknowledge; reject = nack (redelivered later, at least once). */
export type MessageHandler = (event: MessagePublishedEvent) => Promise<void>;

export interface RetrainQueue {
  /** Where messages go, for logs (e.g. `projects/p/topics/t` or `memory://buzzfinder-retrain`). */
  readonly location: string;
  /** Publishes a JSON message; resolves to its message id. */
  publish(message: unknown, attributes?: Record<string, string>): Promise<string>;
  close(): Promise<void>;
}

export interface SubscribableQueue extends RetrainQueue {
  /** Delivers every message to `handler` as a real-shaped CloudEvent; returns an unsubscribe function. */
  subscribe(handler: MessageHandler): () => Promise<void>;
}

/** Builds the CloudEvent Eventarc delivers for one Pub/Sub message. */
export function messagePublishedEvent(options: {
  project: string;
  topic: string;
  subscription: string;
  messageId: string;
  data: Uint8Array;
  attributes?: Record<string, string>;
  publishTime?: Date;
}): MessagePublishedEvent {
  const publishTime = (options.publishTime ?? new Date()).toISOString();
  const data = Buffer.from(options.data.buffer, options.data.byteOffset, options.data.byteLength).toString('base64');
  return {
    specversion: '1.0',
    id: options.messageId,
    source: `//pubsub.googleapis.com/projects/${options.project}/topics/${options.topic}`,
    type: PUBSUB_MESSAGE_PUBLISHED,
    datacontenttype: 'application/json',
    time: publishTime,
    data: {
      message: {
        data,
        messageId: options.messageId,
        message_id: options.messageId,
        publishTime,
        publish_time: publishTime,
        attributes: options.attributes ?? {},
      },
      subscription: `projects/${options.project}/subscriptions/${options.subscription}`,
    },
  };
}

/** The decoded JSON body of a messagePublished event (throws SyntaxError/TypeError on a malformed one). */
export function decodeMessageJson(event: { data?: unknown }): unknown {
  const message = (event.data as Partial<PubsubMessageData> | undefined)?.message;
  if (!message || typeof message.data !== 'string') throw new TypeError('event has no message.data');
  return JSON.parse(Buffer.from(message.data, 'base64').toString('utf8'));
}
