import { BuzzfinderError } from '../errors';

/** Bad audio handed to feature extraction (user input, not misuse): stable codes for the HTTP/CLI layers. */
export class FeatureInputError extends BuzzfinderError {
  constructor(
    override readonly code: 'empty' | 'non_finite',
    message: string,
  ) {
    super(code, message);
  }
}

/** A model's feature-pipeline descriptor this build cannot reproduce (unknown name, version, params or normalization). */
export class FeaturePipelineError extends BuzzfinderError {
  constructor(message: string) {
    super('unsupported_pipeline', message);
  }
}
