import { DEFAULT_SIZING, memoryMiB, resolveSettings, SettingsError, type StackSettingsInput } from '../../infra/settings';
import { assertBucketName, assertNamePrefix, defaultBucketNames, defaultResourceNames, MAX_PREFIX_LENGTH } from '../../infra/naming';

const base: StackSettingsInput = { project: 'my-proj', region: 'us-central1' };

describe('resolveSettings', () => {
  test('defaults', () => {
    const s = resolveSettings(base);
    expect(s.buckets).toEqual({
      uploads: 'my-proj-buzzfinder-uploads',
      reports: 'my-proj-buzzfinder-reports',
      models: 'my-proj-buzzfinder-models',
      datasets: 'my-proj-buzzfinder-datasets',
      source: 'my-proj-buzzfinder-source',
    });
    expect(s.bucketLocation).toBe('US-CENTRAL1');
    expect(s.storageTriggerRegion).toBe('us-central1');
    expect(s.sizing).toEqual(DEFAULT_SIZING);
    expect(s.trainBudgetSec).toBe(420);
    expect(s.publicClassify).toBe(false);
    expect(s.classifyInvokers).toEqual([]);
    expect(s.uploadsPrefix).toBe('takes/');
    expect(s.maxUploadBytes).toBeUndefined();
  });

  test('partial sizing overrides keep the other defaults', () => {
    const s = resolveSettings({ ...base, splitTake: { memory: '4Gi', maxInstances: 20 } });
    expect(s.sizing.splitTake).toEqual({ ...DEFAULT_SIZING.splitTake, memory: '4Gi', maxInstances: 20 });
    expect(s.sizing.classify).toEqual(DEFAULT_SIZING.classify);
  });

  test('sizing given as strings by `pulumi config set --path` is coerced', () => {
    const raw = { cpu: 2, timeoutSec: '300', maxInstances: '2' } as unknown as Partial<typeof DEFAULT_SIZING.retrain>;
    expect(resolveSettings({ ...base, retrain: raw }).sizing.retrain).toEqual({ ...DEFAULT_SIZING.retrain, cpu: '2', timeoutSec: 300, maxInstances: 2 });
    expect(() => resolveSettings({ ...base, retrain: { timeoutSec: 'soon' } as unknown as Partial<typeof DEFAULT_SIZING.retrain> })).toThrow(/retrain.timeoutSec/);
  });

  test('train budget follows the retrain timeout and must stay below it', () => {
    expect(resolveSettings({ ...base, retrain: { timeoutSec: 400 } }).trainBudgetSec).toBe(280);
    expect(() => resolveSettings({ ...base, trainBudgetSec: 540 })).toThrow(/trainBudgetSec \(540\) must be below retrain.timeoutSec \(540\)/);
  });

  test.each([
    [{ splitTake: { timeoutSec: 600 } }, /splitTake.timeoutSec must be at most 540/],
    [{ classify: { timeoutSec: 3601 } }, /classify.timeoutSec must be at most 3600/],
    [{ retrain: { memory: '8Gi', cpu: '1' } }, /more than 4Gi of memory needs cpu >= 2/],
    [{ retrain: { memory: '16Gi', cpu: '2' } }, /more than 8Gi of memory needs cpu >= 4/],
    [{ classify: { cpu: '0.5' } }, /concurrency > 1 needs cpu >= 1/],
    [{ classify: { memory: '1GB' } }, /memory '1GB' is not like/],
    [{ classify: { maxInstances: 0 } }, /classify.maxInstances must be a positive integer/],
    [{ classify: { minInstances: 3, maxInstances: 2 } }, /minInstances exceeds maxInstances/],
    [{ classifyInvokers: ['alice@example.com'] }, /is not an IAM member/],
    [{ classifyInvokers: ['allUsers'] }, /must not hold 'allUsers': set buzzfinder:publicClassify true/],
    [{ uploadsRetentionDays: -1 }, /uploadsRetentionDays must be a non-negative integer/],
    [{ modelNoncurrentRetentionDays: 0 }, /modelNoncurrentRetentionDays must be a positive integer/],
    [{ uploadsBucket: 'My_Bucket' }, /bucket name 'My_Bucket'.*buzzfinder:uploadsBucket/],
    [{ reportsBucket: 'my-proj-buzzfinder-uploads' }, /five different buckets/],
    [{ namePrefix: 'a-very-long-prefix' }, /namePrefix 'a-very-long-prefix' must be 2-14 characters/],
    [{ modelName: '../x' }, /modelName/],
    [{ uploadsPrefix: '/takes/' }, /uploadsPrefix must not start with/],
  ] as [Partial<StackSettingsInput>, RegExp][])('rejects %j', (override, message) => {
    expect(() => resolveSettings({ ...base, ...override })).toThrow(message);
  });

  test('missing project or region names the gcp: key to set', () => {
    expect(() => resolveSettings({ project: '', region: 'us-central1' })).toThrow(SettingsError);
    expect(() => resolveSettings({ project: '', region: 'us-central1' })).toThrow(/pulumi config set gcp:project/);
    expect(() => resolveSettings({ project: 'p', region: '' })).toThrow(/pulumi config set gcp:region/);
  });
});

describe('naming', () => {
  test('memoryMiB', () => {
    expect(memoryMiB('512Mi')).toBe(512);
    expect(memoryMiB('2Gi')).toBe(2048);
    expect(memoryMiB('1G')).toBeCloseTo(953.67, 2);
  });

  test('every derived service-account id fits GCP limits (6-30 chars) at the longest prefix', () => {
    const prefix = 'a'.repeat(MAX_PREFIX_LENGTH);
    for (const id of Object.values(defaultResourceNames(prefix).accounts)) {
      expect(id.length).toBeLessThanOrEqual(30);
      expect(id).toMatch(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);
    }
    expect(() => assertNamePrefix('a'.repeat(MAX_PREFIX_LENGTH + 1))).toThrow(RangeError);
    expect(() => assertNamePrefix('Bf')).toThrow(RangeError);
    expect(() => assertNamePrefix('bf--x')).toThrow(RangeError);
    expect(() => assertNamePrefix('bf-')).toThrow(RangeError);
  });

  test('bucket names', () => {
    expect(defaultBucketNames({ project: 'p-1', prefix: 'bf' }).models).toBe('p-1-bf-models');
    expect(assertBucketName('abc', 'x')).toBe('abc');
    expect(() => assertBucketName('ab', 'x')).toThrow(/3-63/);
    expect(() => assertBucketName('a'.repeat(64), 'x')).toThrow(/3-63/);
    expect(() => assertBucketName('google-things', 'x')).toThrow(/google/);
    expect(() => assertBucketName('-abc', 'x')).toThrow(/lower-case/);
    // 30-character project ids (the maximum) still give valid default names.
    const longest = defaultBucketNames({ project: 'p'.repeat(30), prefix: 'b'.repeat(MAX_PREFIX_LENGTH) });
    for (const name of Object.values(longest)) expect(assertBucketName(name, 'x')).toBe(name);
  });
});
