/** `buzzfinder import-keras <model.h5> --out <dir>`: converts the original project's Keras 2.x HDF5 model. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { importKerasModel } from '../../adapters/keras/import';
import { LocalFolderStore } from '../../adapters/storage/local';
import { initTf } from '../../adapters/tf-backend';
import { saveModelArtifact } from '../../shared/model/artifact';
import { parseCommandArgs, UsageError } from '../args';
import { readInputFile } from '../inputs';

const HELP = `Usage: buzzfinder import-keras <model.h5> --out <dir> [--name NAME] [--version V]
Reads a Keras 2.x HDF5 file of the seed CNN (layer config in the 'model_config' attribute, weights under
model_weights/), checks its layers, and writes model.json + weights.bin + metadata.json to <dir>.
The imported model expects the seed's raw comprehensive MFCC (feature pipeline normalization 'none').`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { out: { type: 'string' }, name: { type: 'string' }, version: { type: 'string' } }, HELP);
  if (positionals.length !== 1) throw new UsageError('give exactly one .h5 file');
  if (!values.out) throw new UsageError('--out <dir> is required');
  const file = positionals[0];
  const bytes = readInputFile(file);
  await initTf();
  const { model, metadata } = importKerasModel(bytes, {
    filename: path.basename(file),
    name: values.name,
    version: values.version,
  });
  const out = path.resolve(values.out);
  fs.mkdirSync(out, { recursive: true });
  await saveModelArtifact(new LocalFolderStore(out), '', model, metadata);
  const params = model.countParams();
  model.dispose();
  process.stdout.write(JSON.stringify({ out, name: metadata.name, version: metadata.version, parameters: params, featurePipeline: metadata.featurePipeline }) + '\n');
  return 0;
}
