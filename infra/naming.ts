/**
 * Names of the deployed resources. Pure functions: the defaults are derived from the project id and a
 * short prefix so that two stacks in one project (prefix 'bf-dev', 'bf-prod') do not collide.
 */

export interface BucketNames {
  uploads: string;
  reports: string;
  models: string;
  datasets: string;
  /** Holds the zipped function source. */
  source: string;
}

export interface ResourceNames {
  functions: { classify: string; splitTake: string; retrain: string };
  retrainTopic: string;
  deadLetterTopic: string;
  deadLetterSubscription: string;
  /** Service account ids (the part before '@'). */
  accounts: {
    classify: string;
    splitTake: string;
    retrain: string;
    splitTakeTrigger: string;
    retrainTrigger: string;
    build: string;
  };
}

/** Longest prefix for which every derived service-account id stays within GCP's 30 characters. */
export const MAX_PREFIX_LENGTH = 14;

const PREFIX_PATTERN = /^[a-z][a-z0-9-]*[a-z0-9]$/;

/** Returns the prefix if it is usable in every derived name, else throws with the rule it breaks. */
export function assertNamePrefix(prefix: string): string {
  if (prefix.length < 2 || prefix.length > MAX_PREFIX_LENGTH || !PREFIX_PATTERN.test(prefix) || prefix.includes('--')) {
    throw new RangeError(
      `buzzfinder:namePrefix '${prefix}' must be 2-${MAX_PREFIX_LENGTH} characters of lower-case letters, digits and single hyphens, starting with a letter`,
    );
  }
  return prefix;
}

export function defaultResourceNames(prefix: string): ResourceNames {
  assertNamePrefix(prefix);
  return {
    functions: { classify: `${prefix}-classify`, splitTake: `${prefix}-split-take`, retrain: `${prefix}-retrain` },
    retrainTopic: `${prefix}-retrain`,
    deadLetterTopic: `${prefix}-dead-letter`,
    deadLetterSubscription: `${prefix}-dead-letter-kept`,
    accounts: {
      classify: `${prefix}-classify`,
      splitTake: `${prefix}-split-take`,
      retrain: `${prefix}-retrain`,
      splitTakeTrigger: `${prefix}-split-trigger`,
      retrainTrigger: `${prefix}-retrain-trigger`,
      build: `${prefix}-build`,
    },
  };
}

/** `<project>-<prefix>-uploads` etc.: bucket names are global, the project id makes them unique. */
export function defaultBucketNames({ project, prefix }: { project: string; prefix: string }): BucketNames {
  const base = `${project}-${prefix}`;
  return {
    uploads: `${base}-uploads`,
    reports: `${base}-reports`,
    models: `${base}-models`,
    datasets: `${base}-datasets`,
    source: `${base}-source`,
  };
}

/**
 * Cloud Storage bucket naming rules (dot-free names): 3-63 characters, lower-case letters, digits, '-' and '_',
 * starting and ending with a letter or digit, no 'goog' prefix, no 'google'.
 */
export function assertBucketName(name: string, settingKey: string): string {
  const problems: string[] = [];
  if (name.length < 3 || name.length > 63) problems.push('must be 3-63 characters long');
  if (!/^[a-z0-9][a-z0-9_-]*[a-z0-9]$/.test(name)) problems.push('may only hold lower-case letters, digits, - and _, starting and ending with a letter or digit');
  if (name.startsWith('goog') || name.includes('google')) problems.push("must not start with 'goog' or contain 'google'");
  if (problems.length > 0) {
    throw new RangeError(`bucket name '${name}' ${problems.join('; ')} — set buzzfinder:${settingKey} to a valid name`);
  }
  return name;
}
