/**
 * Every Google Cloud resource of a buzzfinder deployment. No side effects on import: resources are
 * created only when `createBuzzfinderStack` is called (by index.ts, or by the mocked tests).
 */
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { ENV } from '../adapters/config';
import type { FunctionKey, FunctionSizing, StackSettings } from './settings';
import type { FunctionSource } from './source-package';

/** APIs the deployment uses; enabling needs serviceusage.googleapis.com, which new projects have on. */
export const REQUIRED_APIS = [
  'cloudfunctions.googleapis.com',
  'run.googleapis.com',
  'eventarc.googleapis.com',
  'pubsub.googleapis.com',
  'storage.googleapis.com',
  'cloudbuild.googleapis.com',
  'artifactregistry.googleapis.com',
  'logging.googleapis.com',
  'iam.googleapis.com',
  'cloudresourcemanager.googleapis.com',
] as const;

export const FUNCTION_RUNTIME = 'nodejs20';
export const ENTRY_POINTS: Readonly<Record<FunctionKey, string>> = { classify: 'classify', splitTake: 'splitTake', retrain: 'retrain' };
export const STORAGE_FINALIZED_EVENT = 'google.cloud.storage.object.v1.finalized';
export const PUBSUB_PUBLISHED_EVENT = 'google.cloud.pubsub.topic.v1.messagePublished';
/** Longest retention Pub/Sub allows: what is dead-lettered is kept a week for inspection or replay. */
export const DEAD_LETTER_RETENTION = '604800s';

/**
 * Build (buildpack) environment. dist/ is uploaded pre-built, so the buildpack must not run package.json's
 * `build` script (tsc is a devDependency), and only runtime dependencies are installed from the lock file.
 */
export const FUNCTION_BUILD_ENV: Readonly<Record<string, string>> = { GOOGLE_NODE_RUN_SCRIPTS: '', NODE_ENV: 'production' };

export interface BuzzfinderStackArgs {
  settings: StackSettings;
  source: Pick<FunctionSource, 'archive' | 'objectName'>;
}

export interface BuzzfinderStack {
  apis: gcp.projects.Service[];
  buckets: Record<'uploads' | 'reports' | 'models' | 'datasets' | 'source', gcp.storage.Bucket>;
  sourceObject: gcp.storage.BucketObject;
  retrainTopic: gcp.pubsub.Topic;
  deadLetterTopic: gcp.pubsub.Topic;
  deadLetterSubscription: gcp.pubsub.Subscription;
  accounts: Record<'classify' | 'splitTake' | 'retrain' | 'splitTakeTrigger' | 'retrainTrigger' | 'build', gcp.serviceaccount.Account>;
  functions: Record<FunctionKey, gcp.cloudfunctionsv2.Function>;
  /** Every IAM grant and service agent identity, by logical name. */
  iam: Record<string, pulumi.CustomResource>;
  /** Everything printed by `pulumi stack output`. */
  outputs: StackOutputs;
}

function lifecycleDeleteAfter(days: number): gcp.types.input.storage.BucketLifecycleRule[] {
  return days > 0 ? [{ action: { type: 'Delete' }, condition: { age: days } }] : [];
}

/** Half-finished XML multipart uploads cost storage and never become objects; drop them after a day. */
const ABORT_INCOMPLETE_UPLOADS: gcp.types.input.storage.BucketLifecycleRule = {
  action: { type: 'AbortIncompleteMultipartUpload' },
  condition: { age: 1 },
};

export function createBuzzfinderStack({ settings, source }: BuzzfinderStackArgs): BuzzfinderStack {
  const { project, region, names } = settings;

  const apis = REQUIRED_APIS.map(
    (service) => new gcp.projects.Service(`api-${service.split('.')[0]}`, { project, service, disableOnDestroy: false, disableDependentServices: false }),
  );
  const afterApis: pulumi.CustomResourceOptions = { dependsOn: apis };

  // ---- Buckets -------------------------------------------------------------------------------------------
  const bucket = (
    key: keyof BuzzfinderStack['buckets'],
    extra: { lifecycleRules?: gcp.types.input.storage.BucketLifecycleRule[]; versioning?: gcp.types.input.storage.BucketVersioning },
  ) =>
    new gcp.storage.Bucket(
      `${key}-bucket`,
      {
        project,
        name: settings.buckets[key],
        location: settings.bucketLocation,
        uniformBucketLevelAccess: true,
        publicAccessPrevention: 'enforced',
        forceDestroy: settings.forceDestroyBuckets,
        labels: { app: 'buzzfinder', role: key },
        versioning: extra.versioning,
        lifecycleRules: [ABORT_INCOMPLETE_UPLOADS, ...(extra.lifecycleRules ?? [])],
      },
      afterApis,
    );
  const buckets = {
    uploads: bucket('uploads', { lifecycleRules: lifecycleDeleteAfter(settings.uploadsRetentionDays) }),
    reports: bucket('reports', { lifecycleRules: lifecycleDeleteAfter(settings.reportsRetentionDays) }),
    // Versioning keeps an overwritten latest.json / weights file recoverable; old versions expire.
    models: bucket('models', {
      versioning: { enabled: true },
      lifecycleRules: [{ action: { type: 'Delete' }, condition: { daysSinceNoncurrentTime: settings.modelNoncurrentRetentionDays, withState: 'ARCHIVED' } }],
    }),
    datasets: bucket('datasets', {}),
    source: bucket('source', {}),
  };

  // The object name carries the content hash, so new code = new object = function rebuild.
  const sourceObject = new gcp.storage.BucketObject(
    'function-source',
    { bucket: buckets.source.name, name: source.objectName, source: source.archive, contentType: 'application/zip' },
    afterApis,
  );

  // ---- Pub/Sub --------------------------------------------------------------------------------------------
  const retrainTopic = new gcp.pubsub.Topic('retrain-topic', { project, name: names.retrainTopic, labels: { app: 'buzzfinder' } }, afterApis);
  const deadLetterTopic = new gcp.pubsub.Topic('dead-letter-topic', { project, name: names.deadLetterTopic, labels: { app: 'buzzfinder' } }, afterApis);
  // A topic without subscriptions drops what is published to it: this pull subscription keeps dead letters.
  const deadLetterSubscription = new gcp.pubsub.Subscription(
    'dead-letter-subscription',
    {
      project,
      name: names.deadLetterSubscription,
      topic: deadLetterTopic.id,
      messageRetentionDuration: DEAD_LETTER_RETENTION,
      retainAckedMessages: false,
      ackDeadlineSeconds: 60,
      expirationPolicy: { ttl: '' },
      labels: { app: 'buzzfinder' },
    },
    afterApis,
  );

  // ---- Identities -----------------------------------------------------------------------------------------
  const account = (key: keyof BuzzfinderStack['accounts'], displayName: string) =>
    new gcp.serviceaccount.Account(`${key}-sa`, { project, accountId: names.accounts[key], displayName }, afterApis);
  const accounts = {
    classify: account('classify', 'buzzfinder classify function'),
    splitTake: account('splitTake', 'buzzfinder split-take function'),
    retrain: account('retrain', 'buzzfinder retrain function'),
    splitTakeTrigger: account('splitTakeTrigger', 'buzzfinder split-take Eventarc trigger'),
    retrainTrigger: account('retrainTrigger', 'buzzfinder retrain Eventarc trigger'),
    build: account('build', 'buzzfinder function builds'),
  };
  const iam: Record<string, pulumi.CustomResource> = {};
  const grant = <T extends pulumi.CustomResource>(name: string, resource: T): T => {
    iam[name] = resource;
    return resource;
  };
  const memberOf = (sa: gcp.serviceaccount.Account) => pulumi.interpolate`serviceAccount:${sa.email}`;

  const bucketRole = (name: string, target: gcp.storage.Bucket, role: string, sa: gcp.serviceaccount.Account) =>
    grant(name, new gcp.storage.BucketIAMMember(name, { bucket: target.name, role, member: memberOf(sa) }, afterApis));
  const projectRole = (name: string, role: string, member: pulumi.Input<string>) =>
    grant(name, new gcp.projects.IAMMember(name, { project, role, member }, afterApis));

  // Least privilege per function: exactly the buckets/topic its code touches.
  bucketRole('classify-reads-models', buckets.models, 'roles/storage.objectViewer', accounts.classify);
  bucketRole('split-take-reads-uploads', buckets.uploads, 'roles/storage.objectViewer', accounts.splitTake);
  // objectUser, not objectCreator: under at-least-once delivery split-take checks for and reads an existing report.
  bucketRole('split-take-writes-reports', buckets.reports, 'roles/storage.objectUser', accounts.splitTake);
  bucketRole('split-take-reads-models', buckets.models, 'roles/storage.objectViewer', accounts.splitTake);
  bucketRole('retrain-reads-datasets', buckets.datasets, 'roles/storage.objectViewer', accounts.retrain);
  // Registry versions, latest.json, and jobs/ (status, checkpoint, a lease it deletes when done).
  bucketRole('retrain-writes-models', buckets.models, 'roles/storage.objectUser', accounts.retrain);
  grant(
    'retrain-publishes-continuation',
    new gcp.pubsub.TopicIAMMember(
      'retrain-publishes-continuation',
      { project, topic: retrainTopic.name, role: 'roles/pubsub.publisher', member: memberOf(accounts.retrain) },
      afterApis,
    ),
  );

  // Builds run as a dedicated account (new projects no longer grant the default compute account build rights).
  projectRole('build-runs-builds', 'roles/cloudbuild.builds.builder', memberOf(accounts.build));

  // Cloud Storage publishes object events to Pub/Sub (Eventarc's transport) as its service agent.
  const storageAgent = gcp.storage.getProjectServiceAccountOutput({ project }, { dependsOn: apis });
  const storageAgentPublishes = projectRole('storage-agent-publishes', 'roles/pubsub.publisher', pulumi.interpolate`serviceAccount:${storageAgent.emailAddress}`);

  // Pub/Sub's service agent forwards undeliverable messages to the dead-letter topic once a dead-letter
  // policy is attached to the Eventarc subscriptions (outputs commands.attachDeadLetter*, docs/deploy.md).
  const pubsubAgent = grant('pubsub-agent', new gcp.projects.ServiceIdentity('pubsub-agent', { project, service: 'pubsub.googleapis.com' }, afterApis));
  grant(
    'pubsub-agent-publishes-dead-letters',
    new gcp.pubsub.TopicIAMMember(
      'pubsub-agent-publishes-dead-letters',
      { project, topic: deadLetterTopic.name, role: 'roles/pubsub.publisher', member: pulumi.interpolate`serviceAccount:${pubsubAgent.email}` },
      afterApis,
    ),
  );

  // Trigger identities receive events and may invoke only their own function (run.invoker granted below).
  const splitTriggerReceives = projectRole('split-trigger-receives-events', 'roles/eventarc.eventReceiver', memberOf(accounts.splitTakeTrigger));
  const retrainTriggerReceives = projectRole('retrain-trigger-receives-events', 'roles/eventarc.eventReceiver', memberOf(accounts.retrainTrigger));

  // ---- Functions ------------------------------------------------------------------------------------------
  const commonEnv: Record<string, pulumi.Input<string>> = {
    [ENV.storage]: 'gcs',
    [ENV.queue]: 'pubsub',
    [ENV.project]: project,
    [ENV.uploadsBucket]: buckets.uploads.name,
    [ENV.uploadsPrefix]: settings.uploadsPrefix,
    [ENV.reportsBucket]: buckets.reports.name,
    [ENV.modelsBucket]: buckets.models.name,
    [ENV.datasetsBucket]: buckets.datasets.name,
    [ENV.retrainTopic]: retrainTopic.name,
    [ENV.modelName]: settings.modelName,
    ...(settings.maxUploadBytes !== undefined ? { [ENV.maxUploadBytes]: String(settings.maxUploadBytes) } : {}),
  };

  const makeFunction = (
    key: FunctionKey,
    options: {
      description: string;
      sizing: FunctionSizing;
      env?: Record<string, pulumi.Input<string>>;
      ingressSettings: string;
      eventTrigger?: gcp.types.input.cloudfunctionsv2.FunctionEventTrigger;
      dependsOn?: pulumi.Resource[];
    },
  ) =>
    new gcp.cloudfunctionsv2.Function(
      `${key}-function`,
      {
        project,
        location: region,
        name: names.functions[key],
        description: options.description,
        labels: { app: 'buzzfinder' },
        buildConfig: {
          runtime: FUNCTION_RUNTIME,
          entryPoint: ENTRY_POINTS[key],
          serviceAccount: accounts.build.id,
          source: { storageSource: { bucket: buckets.source.name, object: sourceObject.name } },
          environmentVariables: FUNCTION_BUILD_ENV,
        },
        serviceConfig: {
          availableMemory: options.sizing.memory,
          availableCpu: options.sizing.cpu,
          timeoutSeconds: options.sizing.timeoutSec,
          maxInstanceRequestConcurrency: options.sizing.concurrency,
          minInstanceCount: options.sizing.minInstances,
          maxInstanceCount: options.sizing.maxInstances,
          serviceAccountEmail: accounts[key].email,
          ingressSettings: options.ingressSettings,
          allTrafficOnLatestRevision: true,
          environmentVariables: { ...commonEnv, ...(options.env ?? {}) },
        },
        eventTrigger: options.eventTrigger,
      },
      { dependsOn: [...apis, ...(options.dependsOn ?? [])] },
    );

  const functions = {
    classify: makeFunction('classify', {
      description: 'buzzfinder: classify one clip (HTTP POST audio/wav)',
      sizing: settings.sizing.classify,
      ingressSettings: 'ALLOW_ALL',
    }),
    splitTake: makeFunction('splitTake', {
      description: 'buzzfinder: per-note report for each take uploaded to the uploads bucket',
      sizing: settings.sizing.splitTake,
      // Eventarc and Pub/Sub push count as internal traffic, so nothing outside the project can call it.
      ingressSettings: 'ALLOW_INTERNAL_ONLY',
      eventTrigger: {
        eventType: STORAGE_FINALIZED_EVENT,
        // Cloud Storage events only filter by bucket; the function itself ignores objects outside uploadsPrefix.
        eventFilters: [{ attribute: 'bucket', value: buckets.uploads.name }],
        retryPolicy: 'RETRY_POLICY_RETRY',
        triggerRegion: settings.storageTriggerRegion,
        serviceAccountEmail: accounts.splitTakeTrigger.email,
      },
      dependsOn: [storageAgentPublishes, splitTriggerReceives],
    }),
    retrain: makeFunction('retrain', {
      description: 'buzzfinder: time-budgeted, resumable retraining from a Pub/Sub request',
      sizing: settings.sizing.retrain,
      env: { [ENV.trainBudgetSec]: String(settings.trainBudgetSec) },
      ingressSettings: 'ALLOW_INTERNAL_ONLY',
      eventTrigger: {
        eventType: PUBSUB_PUBLISHED_EVENT,
        pubsubTopic: retrainTopic.id,
        retryPolicy: 'RETRY_POLICY_RETRY',
        triggerRegion: region,
        serviceAccountEmail: accounts.retrainTrigger.email,
      },
      dependsOn: [retrainTriggerReceives],
    }),
  };

  // A gen2 function runs as the Cloud Run service of the same name: invoker rights are granted there.
  const invoker = (name: string, fn: gcp.cloudfunctionsv2.Function, member: pulumi.Input<string>) =>
    grant(name, new gcp.cloudrunv2.ServiceIamMember(name, { project, location: region, name: fn.name, role: 'roles/run.invoker', member }, afterApis));
  invoker('split-trigger-invokes-split-take', functions.splitTake, memberOf(accounts.splitTakeTrigger));
  invoker('retrain-trigger-invokes-retrain', functions.retrain, memberOf(accounts.retrainTrigger));
  settings.classifyInvokers.forEach((member, i) => invoker(`classify-invoker-${i}`, functions.classify, member));
  if (settings.publicClassify) invoker('classify-public', functions.classify, 'allUsers');

  return {
    apis,
    buckets,
    sourceObject,
    retrainTopic,
    deadLetterTopic,
    deadLetterSubscription,
    accounts,
    functions,
    iam,
    outputs: stackOutputs({ settings, buckets, retrainTopic, deadLetterTopic, deadLetterSubscription, sourceObject, functions }),
  };
}

export type StackOutputs = ReturnType<typeof stackOutputs>;

function stackOutputs(parts: {
  settings: StackSettings;
  buckets: BuzzfinderStack['buckets'];
  retrainTopic: gcp.pubsub.Topic;
  deadLetterTopic: gcp.pubsub.Topic;
  deadLetterSubscription: gcp.pubsub.Subscription;
  sourceObject: gcp.storage.BucketObject;
  functions: BuzzfinderStack['functions'];
}) {
  const { settings, buckets, retrainTopic, deadLetterTopic, deadLetterSubscription, functions } = parts;
  const { project, region } = settings;
  const classifyUrl = functions.classify.url;
  // Eventarc creates one Pub/Sub subscription per trigger; Pulumi cannot set its dead-letter policy, these commands do.
  const attachDeadLetter = (fn: gcp.cloudfunctionsv2.Function, triggerRegion: string) =>
    pulumi.interpolate`SUB=$(gcloud eventarc triggers describe "$(basename ${fn.eventTrigger.apply((t) => t?.trigger ?? '')})" --project ${project} --location ${triggerRegion} --format='value(transport.pubsub.subscription)') && gcloud pubsub subscriptions update "$SUB" --project ${project} --dead-letter-topic ${deadLetterTopic.id} --max-delivery-attempts 10 && gcloud pubsub subscriptions add-iam-policy-binding "$SUB" --project ${project} --member serviceAccount:service-$(gcloud projects describe ${project} --format='value(projectNumber)')@gcp-sa-pubsub.iam.gserviceaccount.com --role roles/pubsub.subscriber`;
  return {
    project,
    region,
    classifyUrl,
    classifyFunction: functions.classify.name,
    splitTakeFunction: functions.splitTake.name,
    retrainFunction: functions.retrain.name,
    uploadsBucket: buckets.uploads.name,
    uploadsPrefix: settings.uploadsPrefix,
    reportsBucket: buckets.reports.name,
    modelsBucket: buckets.models.name,
    datasetsBucket: buckets.datasets.name,
    sourceBucket: buckets.source.name,
    sourceObject: parts.sourceObject.name,
    retrainTopic: retrainTopic.name,
    deadLetterTopic: deadLetterTopic.name,
    deadLetterSubscription: deadLetterSubscription.name,
    modelName: settings.modelName,
    commands: {
      uploadTake: pulumi.interpolate`gcloud storage cp take.wav gs://${buckets.uploads.name}/${settings.uploadsPrefix}`,
      // split-take writes reports/<object name>.<generation>.json and summaries/<object name>.<generation>.json.
      listReports: pulumi.interpolate`gcloud storage ls gs://${buckets.reports.name}/reports/`,
      readReport: pulumi.interpolate`gcloud storage cat 'gs://${buckets.reports.name}/reports/${settings.uploadsPrefix}take.wav.*.json'`,
      readSummary: pulumi.interpolate`gcloud storage cat 'gs://${buckets.reports.name}/summaries/${settings.uploadsPrefix}take.wav.*.json'`,
      classify: pulumi.interpolate`curl -H "Authorization: bearer $(gcloud auth print-identity-token)" -H 'Content-Type: audio/wav' --data-binary @clip.wav ${classifyUrl}`,
      retrain: pulumi.interpolate`gcloud pubsub topics publish ${retrainTopic.name} --project ${project} --message '{"dataset":"<prefix in gs://${buckets.datasets.name}>"}'`,
      retrainStatus: pulumi.interpolate`gcloud storage cat 'gs://${buckets.models.name}/models/${settings.modelName}/jobs/*.json'`,
      listModels: pulumi.interpolate`gcloud storage ls gs://${buckets.models.name}/models/${settings.modelName}/`,
      readDeadLetters: pulumi.interpolate`gcloud pubsub subscriptions pull ${deadLetterSubscription.name} --project ${project} --limit 10`,
      attachDeadLetterSplitTake: attachDeadLetter(functions.splitTake, settings.storageTriggerRegion),
      attachDeadLetterRetrain: attachDeadLetter(functions.retrain, region),
    },
  };
}
