/**
 * The whole stack under Pulumi mocks with default settings plus two configured classify invokers:
 * buckets, functions, triggers, environment, identities and every IAM grant (least privilege = exact sets).
 */
import { byName, calls, ofType, recorded, TEST_PROJECT, TEST_PROJECT_NUMBER, TEST_REGION, valueOf } from './mocks';
import * as pulumi from '@pulumi/pulumi';
import { ENV } from '../../adapters/config';
import { createBuzzfinderStack, PUBSUB_PUBLISHED_EVENT, REQUIRED_APIS, STORAGE_FINALIZED_EVENT, type BuzzfinderStack } from '../../infra/resources';
import { resolveSettings } from '../../infra/settings';

const INVOKERS = ['user:alice@example.com', 'serviceAccount:ci@other-project.iam.gserviceaccount.com'];
const settings = resolveSettings({ project: TEST_PROJECT, region: TEST_REGION, classifyInvokers: INVOKERS });
const SOURCE_OBJECT = 'functions/buzzfinder-0123456789abcdef0123456789abcdef.zip';

const BUCKET = {
  uploads: `${TEST_PROJECT}-buzzfinder-uploads`,
  reports: `${TEST_PROJECT}-buzzfinder-reports`,
  models: `${TEST_PROJECT}-buzzfinder-models`,
  datasets: `${TEST_PROJECT}-buzzfinder-datasets`,
  source: `${TEST_PROJECT}-buzzfinder-source`,
};
const sa = (id: string) => `${id}@${TEST_PROJECT}.iam.gserviceaccount.com`;
const SA = {
  classify: sa('buzzfinder-classify'),
  splitTake: sa('buzzfinder-split-take'),
  retrain: sa('buzzfinder-retrain'),
  splitTrigger: sa('buzzfinder-split-trigger'),
  retrainTrigger: sa('buzzfinder-retrain-trigger'),
  build: sa('buzzfinder-build'),
};

let stack: BuzzfinderStack;

beforeAll(async () => {
  stack = createBuzzfinderStack({
    settings,
    source: { archive: new pulumi.asset.AssetArchive({ 'package.json': new pulumi.asset.StringAsset('{}') }), objectName: SOURCE_OBJECT },
  });
  // Registration is asynchronous: wait until every resource (the IAM grants come last) has reached the mock.
  await valueOf(pulumi.all([...Object.values(stack.iam).map((r) => r.urn), ...Object.values(stack.functions).map((f) => f.urn)]));
  await valueOf(pulumi.output(stack.outputs));
});

const fn = (key: 'classify' | 'splitTake' | 'retrain') => byName(`${key}-function`).inputs;

describe('buckets', () => {
  test('five buckets with the project-unique default names, all private', () => {
    const buckets = ofType('gcp:storage/bucket:Bucket');
    expect(buckets.map((b) => b.inputs.name).sort()).toEqual(Object.values(BUCKET).sort());
    for (const b of buckets) {
      expect(b.inputs.uniformBucketLevelAccess).toBe(true);
      expect(b.inputs.publicAccessPrevention).toBe('enforced');
      expect(b.inputs.location).toBe('EUROPE-WEST1');
      expect(b.inputs.forceDestroy).toBe(false);
      expect(b.inputs.lifecycleRules).toContainEqual(
        expect.objectContaining({ action: expect.objectContaining({ type: 'AbortIncompleteMultipartUpload' }), condition: expect.objectContaining({ age: 1 }) }),
      );
    }
  });

  test('takes and reports expire after the configured days', () => {
    const deleteAge = (name: string) =>
      byName(name).inputs.lifecycleRules.filter((r: { action: { type: string } }) => r.action.type === 'Delete').map((r: { condition: { age: number } }) => r.condition.age);
    expect(deleteAge('uploads-bucket')).toEqual([30]);
    expect(deleteAge('reports-bucket')).toEqual([90]);
    expect(deleteAge('datasets-bucket')).toEqual([]);
    expect(deleteAge('source-bucket')).toEqual([]);
  });

  test('models bucket is versioned and expires only non-current versions', () => {
    const models = byName('models-bucket').inputs;
    expect(models.versioning).toEqual({ enabled: true });
    const deletes = models.lifecycleRules.filter((r: { action: { type: string } }) => r.action.type === 'Delete');
    expect(deletes).toEqual([expect.objectContaining({ condition: expect.objectContaining({ daysSinceNoncurrentTime: 30, withState: 'ARCHIVED' }) })]);
    for (const name of ['uploads-bucket', 'reports-bucket', 'datasets-bucket', 'source-bucket']) {
      expect(byName(name).inputs.versioning?.enabled ?? false).toBe(false);
    }
  });

  test('the zipped source goes into the source bucket under its content-hash name', () => {
    const object = byName('function-source').inputs;
    expect(object.bucket).toBe(BUCKET.source);
    expect(object.name).toBe(SOURCE_OBJECT);
    for (const key of ['classify', 'splitTake', 'retrain'] as const) {
      expect(fn(key).buildConfig.source.storageSource).toEqual({ bucket: BUCKET.source, object: SOURCE_OBJECT });
    }
  });
});

describe('functions', () => {
  test('three gen2 nodejs20 functions with the agreed entry points, built by the build account', () => {
    expect(ofType('gcp:cloudfunctionsv2/function:Function')).toHaveLength(3);
    const expected = { classify: ['buzzfinder-classify', 'classify'], splitTake: ['buzzfinder-split-take', 'splitTake'], retrain: ['buzzfinder-retrain', 'retrain'] } as const;
    for (const [key, [name, entryPoint]] of Object.entries(expected)) {
      const inputs = fn(key as keyof typeof expected);
      expect(inputs.name).toBe(name);
      expect(inputs.location).toBe(TEST_REGION);
      expect(inputs.buildConfig.runtime).toBe('nodejs20');
      expect(inputs.buildConfig.entryPoint).toBe(entryPoint);
      expect(inputs.buildConfig.serviceAccount).toBe(`projects/${TEST_PROJECT}/serviceAccounts/${SA.build}`);
      expect(inputs.buildConfig.environmentVariables).toEqual({ GOOGLE_NODE_RUN_SCRIPTS: '', NODE_ENV: 'production' });
    }
  });

  test('classify is HTTP (no event trigger)', () => {
    expect(fn('classify').eventTrigger).toBeUndefined();
    expect(fn('classify').serviceConfig.ingressSettings).toBe('ALLOW_ALL');
  });

  test('split-take fires on finalized objects of the uploads bucket, with retries, in the bucket region', () => {
    const trigger = fn('splitTake').eventTrigger;
    expect(trigger.eventType).toBe(STORAGE_FINALIZED_EVENT);
    expect(trigger.eventType).toBe('google.cloud.storage.object.v1.finalized');
    expect(trigger.eventFilters).toEqual([{ attribute: 'bucket', value: BUCKET.uploads }]);
    expect(trigger.retryPolicy).toBe('RETRY_POLICY_RETRY');
    expect(trigger.triggerRegion).toBe('europe-west1');
    expect(trigger.serviceAccountEmail).toBe(SA.splitTrigger);
    expect(fn('splitTake').serviceConfig.ingressSettings).toBe('ALLOW_INTERNAL_ONLY');
  });

  test('retrain fires on messages published to the retrain topic, with retries', () => {
    const trigger = fn('retrain').eventTrigger;
    expect(trigger.eventType).toBe(PUBSUB_PUBLISHED_EVENT);
    expect(trigger.eventType).toBe('google.cloud.pubsub.topic.v1.messagePublished');
    expect(trigger.pubsubTopic).toBe(`projects/${TEST_PROJECT}/topics/buzzfinder-retrain`);
    expect(trigger.retryPolicy).toBe('RETRY_POLICY_RETRY');
    expect(trigger.serviceAccountEmail).toBe(SA.retrainTrigger);
  });

  test('sizing defaults', () => {
    expect(fn('classify').serviceConfig).toMatchObject({ availableMemory: '1Gi', availableCpu: '1', timeoutSeconds: 60, maxInstanceRequestConcurrency: 8 });
    expect(fn('splitTake').serviceConfig).toMatchObject({ availableMemory: '2Gi', timeoutSeconds: 540, maxInstanceRequestConcurrency: 1 });
    expect(fn('retrain').serviceConfig).toMatchObject({ availableMemory: '4Gi', availableCpu: '2', timeoutSeconds: 540, maxInstanceCount: 1 });
  });

  test('each function runs as its own service account', () => {
    expect(fn('classify').serviceConfig.serviceAccountEmail).toBe(SA.classify);
    expect(fn('splitTake').serviceConfig.serviceAccountEmail).toBe(SA.splitTake);
    expect(fn('retrain').serviceConfig.serviceAccountEmail).toBe(SA.retrain);
    expect(ofType('gcp:serviceaccount/account:Account').map((a) => `${a.inputs.accountId}@${TEST_PROJECT}.iam.gserviceaccount.com`).sort()).toEqual(Object.values(SA).sort());
  });

  test('environment uses the names from adapters/config ENV, wired to the created buckets and topic', () => {
    const expectedCommon = {
      [ENV.storage]: 'gcs',
      [ENV.queue]: 'pubsub',
      [ENV.project]: TEST_PROJECT,
      [ENV.uploadsBucket]: BUCKET.uploads,
      [ENV.uploadsPrefix]: 'takes/',
      [ENV.reportsBucket]: BUCKET.reports,
      [ENV.modelsBucket]: BUCKET.models,
      [ENV.datasetsBucket]: BUCKET.datasets,
      [ENV.retrainTopic]: 'buzzfinder-retrain',
      [ENV.modelName]: 'buzzfinder',
    };
    expect(fn('classify').serviceConfig.environmentVariables).toEqual(expectedCommon);
    expect(fn('splitTake').serviceConfig.environmentVariables).toEqual(expectedCommon);
    const retrainEnv = fn('retrain').serviceConfig.environmentVariables;
    expect(retrainEnv).toEqual({ ...expectedCommon, [ENV.trainBudgetSec]: '420' });
    expect(Number(retrainEnv[ENV.trainBudgetSec])).toBeLessThan(fn('retrain').serviceConfig.timeoutSeconds);
    // The literal names too, so a rename in adapters/config.ts is a conscious change here.
    expect(Object.keys(retrainEnv).sort()).toEqual([
      'BUZZFINDER_DATASETS_BUCKET', 'BUZZFINDER_MODELS_BUCKET', 'BUZZFINDER_MODEL_NAME', 'BUZZFINDER_PROJECT', 'BUZZFINDER_QUEUE',
      'BUZZFINDER_REPORTS_BUCKET', 'BUZZFINDER_RETRAIN_TOPIC', 'BUZZFINDER_STORAGE', 'BUZZFINDER_TRAIN_BUDGET_SEC',
      'BUZZFINDER_UPLOADS_BUCKET', 'BUZZFINDER_UPLOADS_PREFIX',
    ]);
  });
});

describe('pub/sub', () => {
  test('retrain topic, dead-letter topic and a subscription that keeps dead letters for 7 days', () => {
    expect(ofType('gcp:pubsub/topic:Topic').map((t) => t.inputs.name).sort()).toEqual(['buzzfinder-dead-letter', 'buzzfinder-retrain']);
    const sub = byName('dead-letter-subscription').inputs;
    expect(sub.topic).toBe(`projects/${TEST_PROJECT}/topics/buzzfinder-dead-letter`);
    expect(sub.messageRetentionDuration).toBe('604800s');
    expect(sub.expirationPolicy).toEqual({ ttl: '' });
  });
});

describe('IAM (least privilege: the exact set of grants)', () => {
  const member = (email: string) => `serviceAccount:${email}`;

  test('bucket grants per function', () => {
    const grants = ofType('gcp:storage/bucketIAMMember:BucketIAMMember').map((g) => `${g.inputs.bucket} ${g.inputs.role} ${g.inputs.member}`).sort();
    expect(grants).toEqual(
      [
        `${BUCKET.models} roles/storage.objectViewer ${member(SA.classify)}`,
        `${BUCKET.uploads} roles/storage.objectViewer ${member(SA.splitTake)}`,
        `${BUCKET.reports} roles/storage.objectUser ${member(SA.splitTake)}`,
        `${BUCKET.models} roles/storage.objectViewer ${member(SA.splitTake)}`,
        `${BUCKET.datasets} roles/storage.objectViewer ${member(SA.retrain)}`,
        `${BUCKET.models} roles/storage.objectUser ${member(SA.retrain)}`,
      ].sort(),
    );
  });

  test('project-level grants: storage agent publishes, trigger identities receive events, builds', () => {
    const grants = ofType('gcp:projects/iAMMember:IAMMember').map((g) => `${g.inputs.project} ${g.inputs.role} ${g.inputs.member}`).sort();
    expect(grants).toEqual(
      [
        `${TEST_PROJECT} roles/pubsub.publisher serviceAccount:service-${TEST_PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com`,
        `${TEST_PROJECT} roles/eventarc.eventReceiver ${member(SA.splitTrigger)}`,
        `${TEST_PROJECT} roles/eventarc.eventReceiver ${member(SA.retrainTrigger)}`,
        `${TEST_PROJECT} roles/cloudbuild.builds.builder ${member(SA.build)}`,
      ].sort(),
    );
    expect(calls.filter((c) => c.token === 'gcp:storage/getProjectServiceAccount:getProjectServiceAccount').map((c) => c.inputs.project)).toEqual([TEST_PROJECT]);
  });

  test('topic grants: retrain publishes its continuation; the Pub/Sub agent may dead-letter', () => {
    const grants = ofType('gcp:pubsub/topicIAMMember:TopicIAMMember').map((g) => `${g.inputs.topic} ${g.inputs.role} ${g.inputs.member}`).sort();
    expect(grants).toEqual(
      [
        `buzzfinder-retrain roles/pubsub.publisher ${member(SA.retrain)}`,
        `buzzfinder-dead-letter roles/pubsub.publisher serviceAccount:service-${TEST_PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com`,
      ].sort(),
    );
  });

  test('run.invoker: each trigger on its own function, classify only for the configured members (not public)', () => {
    const grants = ofType('gcp:cloudrunv2/serviceIamMember:ServiceIamMember').map((g) => `${g.inputs.name} ${g.inputs.role} ${g.inputs.member}`).sort();
    expect(grants).toEqual(
      [
        `buzzfinder-split-take roles/run.invoker ${member(SA.splitTrigger)}`,
        `buzzfinder-retrain roles/run.invoker ${member(SA.retrainTrigger)}`,
        `buzzfinder-classify roles/run.invoker ${INVOKERS[0]}`,
        `buzzfinder-classify roles/run.invoker ${INVOKERS[1]}`,
      ].sort(),
    );
    for (const g of ofType('gcp:cloudrunv2/serviceIamMember:ServiceIamMember')) expect(g.inputs.location).toBe(TEST_REGION);
    expect(recorded.some((r) => JSON.stringify(r.inputs).includes('allUsers') || JSON.stringify(r.inputs).includes('allAuthenticatedUsers'))).toBe(false);
  });

  test('no function account holds a project-wide role', () => {
    const projectMembers = ofType('gcp:projects/iAMMember:IAMMember').map((g) => g.inputs.member);
    for (const email of [SA.classify, SA.splitTake, SA.retrain]) expect(projectMembers).not.toContain(member(email));
  });
});

describe('APIs', () => {
  test('every needed API is enabled and left enabled on destroy', () => {
    const services = ofType('gcp:projects/service:Service');
    expect(services.map((s) => s.inputs.service).sort()).toEqual([...REQUIRED_APIS].sort());
    for (const name of ['cloudfunctions', 'run', 'eventarc', 'pubsub', 'storage', 'cloudbuild', 'artifactregistry', 'logging']) {
      expect(services.map((s) => s.inputs.service)).toContain(`${name}.googleapis.com`);
    }
    for (const s of services) expect(s.inputs.disableOnDestroy).toBe(false);
  });
});

describe('outputs', () => {
  test('names, url and ready-to-paste commands', async () => {
    const out = stack.outputs;
    const url = `https://${TEST_REGION}-${TEST_PROJECT}.cloudfunctions.net/buzzfinder-classify`;
    expect(await valueOf(out.classifyUrl)).toBe(url);
    expect(await valueOf(out.uploadsBucket)).toBe(BUCKET.uploads);
    expect(await valueOf(out.reportsBucket)).toBe(BUCKET.reports);
    expect(await valueOf(out.retrainTopic)).toBe('buzzfinder-retrain');
    const commands = await valueOf(pulumi.output(out.commands));
    expect(commands.uploadTake).toBe(`gcloud storage cp take.wav gs://${BUCKET.uploads}/takes/`);
    expect(commands.listReports).toBe(`gcloud storage ls gs://${BUCKET.reports}/reports/`);
    expect(commands.readReport).toBe(`gcloud storage cat 'gs://${BUCKET.reports}/reports/takes/take.wav.*.json'`);
    expect(commands.classify).toBe(
      `curl -H "Authorization: bearer $(gcloud auth print-identity-token)" -H 'Content-Type: audio/wav' --data-binary @clip.wav ${url}`,
    );
    expect(commands.retrain).toContain(`gcloud pubsub topics publish buzzfinder-retrain --project ${TEST_PROJECT} --message '{"dataset":`);
    expect(commands.attachDeadLetterSplitTake).toContain('buzzfinder-split-take-123456');
    expect(commands.attachDeadLetterSplitTake).toContain(`--dead-letter-topic projects/${TEST_PROJECT}/topics/buzzfinder-dead-letter`);
    expect(commands.attachDeadLetterRetrain).toContain('buzzfinder-retrain-123456');
  });
});
