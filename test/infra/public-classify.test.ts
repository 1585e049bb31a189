/**
 * The deliberate opt-in: `buzzfinder:publicClassify true` (and overridden names/sizing) under Pulumi mocks.
 * A separate file because a stack can only be created once per mocked runtime.
 */
import { ofType, TEST_PROJECT, TEST_REGION, valueOf } from './mocks';
import * as pulumi from '@pulumi/pulumi';
import { createBuzzfinderStack, type BuzzfinderStack } from '../../infra/resources';
import { resolveSettings } from '../../infra/settings';

let stack: BuzzfinderStack;

beforeAll(async () => {
  const settings = resolveSettings({
    project: TEST_PROJECT,
    region: TEST_REGION,
    bucketLocation: 'eu',
    namePrefix: 'bf-dev',
    uploadsBucket: 'my-takes',
    publicClassify: true,
    reportsRetentionDays: 0,
    classify: { memory: '2Gi', concurrency: 16 },
    retrain: { timeoutSec: 300 },
  });
  stack = createBuzzfinderStack({
    settings,
    source: { archive: new pulumi.asset.AssetArchive({ 'package.json': new pulumi.asset.StringAsset('{}') }), objectName: 'functions/buzzfinder-ffffffffffffffff.zip' },
  });
  await valueOf(pulumi.all([...Object.values(stack.iam).map((r) => r.urn), ...Object.values(stack.functions).map((f) => f.urn)]));
  await valueOf(pulumi.output(stack.outputs));
});

test('publicClassify grants allUsers run.invoker on classify only', () => {
  const invokers = ofType('gcp:cloudrunv2/serviceIamMember:ServiceIamMember').map((g) => `${g.inputs.name} ${g.inputs.member}`);
  expect(invokers).toContain('bf-dev-classify allUsers');
  expect(invokers.filter((i) => i.endsWith(' allUsers'))).toEqual(['bf-dev-classify allUsers']);
  expect(invokers.filter((i) => i.startsWith('bf-dev-classify '))).toEqual(['bf-dev-classify allUsers']);
});

test('overrides reach the resources: prefix, bucket name, multi-region trigger, sizing, budget', () => {
  const functions = ofType('gcp:cloudfunctionsv2/function:Function');
  expect(functions.map((f) => f.inputs.name).sort()).toEqual(['bf-dev-classify', 'bf-dev-retrain', 'bf-dev-split-take']);
  const split = functions.find((f) => f.inputs.name === 'bf-dev-split-take')!.inputs;
  expect(split.eventTrigger.eventFilters).toEqual([{ attribute: 'bucket', value: 'my-takes' }]);
  // A multi-region bucket ('EU') is watched by a trigger in the matching multi-region ('eu').
  expect(split.eventTrigger.triggerRegion).toBe('eu');
  expect(ofType('gcp:storage/bucket:Bucket').map((b) => b.inputs.location)).toEqual(Array(5).fill('EU'));
  const classify = functions.find((f) => f.inputs.name === 'bf-dev-classify')!.inputs;
  expect(classify.serviceConfig).toMatchObject({ availableMemory: '2Gi', availableCpu: '1', maxInstanceRequestConcurrency: 16, timeoutSeconds: 60 });
  const retrain = functions.find((f) => f.inputs.name === 'bf-dev-retrain')!.inputs;
  expect(retrain.serviceConfig.timeoutSeconds).toBe(300);
  expect(retrain.serviceConfig.environmentVariables.BUZZFINDER_TRAIN_BUDGET_SEC).toBe('180');
  const reports = ofType('gcp:storage/bucket:Bucket').find((b) => b.inputs.name === `${TEST_PROJECT}-bf-dev-reports`)!.inputs;
  expect(reports.lifecycleRules.map((r: { action: { type: string } }) => r.action.type)).toEqual(['AbortIncompleteMultipartUpload']);
});
