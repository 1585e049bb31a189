/**
 * The function source as a Pulumi archive, plus its content hash (see source-hash.ts for why the hash matters).
 */
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { assertPackageBuilt, hashPackage, SOURCE_PACKAGE_ENTRIES, sourceObjectName } from './source-hash';

export interface FunctionSource {
  /** Zip contents: dist/, package.json, package-lock.json, models/ at the archive root. */
  archive: pulumi.asset.Archive;
  /** SHA-256 of the packaged files (hex). */
  hash: string;
  /** Object name in the source bucket; changes exactly when `hash` changes. */
  objectName: string;
}

/** Packages the built repository at `root`; throws `SourcePackageError` if `npm run build` has not run. */
export function functionSourceFromRepo(root: string): FunctionSource {
  assertPackageBuilt(root);
  const hash = hashPackage(root);
  const assets: pulumi.asset.AssetMap = {};
  for (const entry of SOURCE_PACKAGE_ENTRIES) {
    const absolute = path.join(root, entry);
    assets[entry] = entry.endsWith('.json') ? new pulumi.asset.FileAsset(absolute) : new pulumi.asset.FileArchive(absolute);
  }
  return { archive: new pulumi.asset.AssetArchive(assets), hash, objectName: sourceObjectName(hash) };
}
