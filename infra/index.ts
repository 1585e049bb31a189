/**
 * Pulumi entry point (Pulumi.yaml `main`): reads the stack config, packages the built functions and
 * creates the stack. All resource definitions live in resources.ts.
 */
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { createBuzzfinderStack } from './resources';
import { resolveSettings, type FunctionSizing } from './settings';
import { functionSourceFromRepo } from './source-package';

const gcpConfig = new pulumi.Config('gcp');
const config = new pulumi.Config('buzzfinder');

const settings = resolveSettings({
  project: gcpConfig.require('project'),
  region: gcpConfig.require('region'),
  bucketLocation: config.get('bucketLocation'),
  namePrefix: config.get('namePrefix'),
  uploadsBucket: config.get('uploadsBucket'),
  reportsBucket: config.get('reportsBucket'),
  modelsBucket: config.get('modelsBucket'),
  datasetsBucket: config.get('datasetsBucket'),
  sourceBucket: config.get('sourceBucket'),
  uploadsPrefix: config.get('uploadsPrefix'),
  uploadsRetentionDays: config.getNumber('uploadsRetentionDays'),
  reportsRetentionDays: config.getNumber('reportsRetentionDays'),
  modelNoncurrentRetentionDays: config.getNumber('modelNoncurrentRetentionDays'),
  forceDestroyBuckets: config.getBoolean('forceDestroyBuckets'),
  modelName: config.get('modelName'),
  trainBudgetSec: config.getNumber('trainBudgetSec'),
  maxUploadBytes: config.getNumber('maxUploadBytes'),
  classifyInvokers: config.getObject<string[]>('classifyInvokers'),
  publicClassify: config.getBoolean('publicClassify'),
  classify: config.getObject<Partial<FunctionSizing>>('classify'),
  splitTake: config.getObject<Partial<FunctionSizing>>('splitTake'),
  retrain: config.getObject<Partial<FunctionSizing>>('retrain'),
});

// The repository root is one level up from infra/ (Pulumi runs this file from infra/).
const stack = createBuzzfinderStack({ settings, source: functionSourceFromRepo(path.resolve(__dirname, '..')) });

export const {
  project,
  region,
  classifyUrl,
  classifyFunction,
  splitTakeFunction,
  retrainFunction,
  uploadsBucket,
  uploadsPrefix,
  reportsBucket,
  modelsBucket,
  datasetsBucket,
  sourceBucket,
  sourceObject,
  retrainTopic,
  deadLetterTopic,
  deadLetterSubscription,
  modelName,
  commands,
} = stack.outputs;
