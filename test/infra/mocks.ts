/**
 * Pulumi mocks for the infra tests (pattern of pulumi/examples testing-unit-ts-mocks-jest).
 * Every registered resource is recorded with its *resolved* inputs, and gets the outputs the real
 * provider would compute (ids, emails, urls, trigger names) so dependent resources see realistic values.
 * Must be installed before infra/resources.ts is imported.
 */
import * as pulumi from '@pulumi/pulumi';

export const TEST_PROJECT = 'bf-test-project';
export const TEST_PROJECT_NUMBER = '123456789012';
export const TEST_REGION = 'europe-west1';

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- provider inputs are untyped JSON
}

export interface RecordedCall {
  token: string;
  inputs: Record<string, unknown>;
}

export const recorded: RecordedResource[] = [];
export const calls: RecordedCall[] = [];

function computedState(type: string, inputs: Record<string, any>): { id: string; state: Record<string, unknown> } { // eslint-disable-line @typescript-eslint/no-explicit-any
  const project = inputs.project ?? TEST_PROJECT;
  switch (type) {
    case 'gcp:storage/bucket:Bucket':
      return { id: inputs.name, state: { ...inputs, url: `gs://${inputs.name}`, selfLink: `https://www.googleapis.com/storage/v1/b/${inputs.name}` } };
    case 'gcp:pubsub/topic:Topic':
      return { id: `projects/${project}/topics/${inputs.name}`, state: inputs };
    case 'gcp:pubsub/subscription:Subscription':
      return { id: `projects/${project}/subscriptions/${inputs.name}`, state: inputs };
    case 'gcp:serviceaccount/account:Account': {
      const email = `${inputs.accountId}@${project}.iam.gserviceaccount.com`;
      return { id: `projects/${project}/serviceAccounts/${email}`, state: { ...inputs, email, member: `serviceAccount:${email}`, name: `projects/${project}/serviceAccounts/${email}` } };
    }
    case 'gcp:projects/serviceIdentity:ServiceIdentity': {
      const agent = String(inputs.service).split('.')[0];
      const email = `service-${TEST_PROJECT_NUMBER}@gcp-sa-${agent}.iam.gserviceaccount.com`;
      return { id: `${project}/${inputs.service}`, state: { ...inputs, email, member: `serviceAccount:${email}` } };
    }
    case 'gcp:storage/bucketObject:BucketObject':
      return { id: `${inputs.bucket}-${inputs.name}`, state: { ...inputs, mediaLink: `https://storage.googleapis.com/${inputs.bucket}/${inputs.name}` } };
    case 'gcp:cloudfunctionsv2/function:Function': {
      const fullName = `projects/${project}/locations/${inputs.location}/functions/${inputs.name}`;
      const eventTrigger = inputs.eventTrigger
        ? { ...inputs.eventTrigger, trigger: `projects/${project}/locations/${inputs.eventTrigger.triggerRegion}/triggers/${inputs.name}-123456` }
        : undefined;
      return {
        id: fullName,
        state: {
          ...inputs,
          url: `https://${inputs.location}-${project}.cloudfunctions.net/${inputs.name}`,
          serviceConfig: {
            ...inputs.serviceConfig,
            service: `projects/${project}/locations/${inputs.location}/services/${inputs.name}`,
            uri: `https://${inputs.name}-abc123-ew.a.run.app`,
          },
          eventTrigger,
          state: 'ACTIVE',
        },
      };
    }
    default:
      return { id: `${inputs.name ?? type}-id`, state: inputs };
  }
}

pulumi.runtime.setMocks(
  {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
      recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
      return computedState(args.type, args.inputs);
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
      calls.push({ token: args.token, inputs: args.inputs });
      switch (args.token) {
        case 'gcp:storage/getProjectServiceAccount:getProjectServiceAccount': {
          const email = `service-${TEST_PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com`;
          return { emailAddress: email, member: `serviceAccount:${email}`, project: args.inputs.project ?? TEST_PROJECT, id: 'storage-agent' };
        }
        case 'gcp:organizations/getProject:getProject':
          return { number: TEST_PROJECT_NUMBER, projectId: args.inputs.projectId ?? TEST_PROJECT, name: TEST_PROJECT, id: `projects/${TEST_PROJECT}` };
        default:
          throw new Error(`unexpected invoke ${args.token}`);
      }
    },
  },
  'buzzfinder',
  'test',
  false,
);

/** Resolves a Pulumi output (or plain value) in a test. */
export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

export function ofType(type: string): RecordedResource[] {
  return recorded.filter((r) => r.type === type);
}

export function byName(name: string): RecordedResource {
  const found = recorded.find((r) => r.name === name);
  if (!found) throw new Error(`no resource named ${name}; have ${recorded.map((r) => r.name).join(', ')}`);
  return found;
}
