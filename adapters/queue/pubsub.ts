/**
 * The retrain queue on Cloud Pub/Sub (@google-cloud/pubsub; PUBSUB_EMULATOR_HOST is honoured by the
 * library). In the cloud, Eventarc pushes each message to the `retrain` function; `subscribe` (a
 * streaming pull on a named subscription) exists for tests and tools and delivers the same CloudEvent.
 */
import { Message, PubSub, Subscription, Topic } from '@google-cloud/pubsub';
import { MessageHandler, messagePublishedEvent, SubscribableQueue } from './types';

export interface PubsubQueueOptions {
  topic: string;
  projectId?: string;
  pubsub?: PubSub;
}

export class PubsubQueue implements SubscribableQueue {
  readonly location: string;
  readonly pubsub: PubSub;
  private readonly topic: Topic;
  private readonly topicName: string;
  private readonly subscriptions = new Set<Subscription>();

  constructor(options: PubsubQueueOptions) {
    if (!options.topic) throw new TypeError('PubsubQueue needs a topic');
    this.pubsub = options.pubsub ?? new PubSub(options.projectId ? { projectId: options.projectId } : {});
    this.topicName = options.topic;
    this.topic = this.pubsub.topic(options.topic);
    this.location = `pubsub://${options.topic}`;
  }

  async publish(message: unknown, attributes: Record<string, string> = {}): Promise<string> {
    return this.topic.publishMessage({ data: Buffer.from(JSON.stringify(message), 'utf8'), attributes });
  }

  /** Creates the topic if it does not exist (emulator, first deploy); the cloud's topic is made by infra/. */
  async ensureTopic(): Promise<void> {
    const [exists] = await this.topic.exists();
    if (!exists) await this.topic.create().catch((err: { code?: number }) => (err.code === 6 ? undefined : Promise.reject(err)));
  }

  /** Streaming pull from `subscriptionName` (created on the topic if missing): ack on success, nack on failure. */
  async subscribeNamed(subscriptionName: string, handler: MessageHandler): Promise<() => Promise<void>> {
    const subscription = this.topic.subscription(subscriptionName);
    const [exists] = await subscription.exists();
    if (!exists) await this.topic.createSubscription(subscriptionName, { ackDeadlineSeconds: 60 });
    const projectId = this.pubsub.projectId;
    const onMessage = (message: Message) => {
      const event = messagePublishedEvent({
        project: projectId,
        topic: this.topicName,
        subscription: subscriptionName,
        messageId: message.id,
        data: message.data,
        attributes: message.attributes,
        publishTime: message.publishTime,
      });
      handler(event).then(
        () => message.ack(),
        () => message.nack(),
      );
    };
    subscription.on('message', onMessage);
    subscription.on('error', () => undefined); // surfaced by the caller's own timeouts; never crash the process
    this.subscriptions.add(subscription);
    return async () => {
      subscription.off('message', onMessage);
      this.subscriptions.delete(subscription);
      await subscription.close();
    };
  }

  subscribe(handler: MessageHandler): () => Promise<void> {
    const pending = this.subscribeNamed(`${this.topicName}-buzzfinder`, handler);
    return async () => (await pending)();
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
    this.subscriptions.clear();
    await this.pubsub.close();
  }
}
