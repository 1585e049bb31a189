/**
 * The CloudEvents the storage-triggered function receives, exactly as Eventarc sends them (binary mode:
 * ce-* headers, JSON body = the Cloud Storage object resource). Builders are used by the local stack's
 * watcher and by tests.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import { randomUUID } from 'node:crypto';

export const STORAGE_OBJECT_FINALIZED = 'google.cloud.storage.object.v1.finalized';

/** The Cloud Storage object resource (the subset buzzfinder reads; Eventarc sends more). */
export interface StorageObjectData {
  kind?: 'storage#object';
  id?: string;
  bucket: string;
  name: string;
  generation: string;
  metageneration?: string;
  size?: string;
  contentType?: string;
  timeCreated?: string;
  updated?: string;
  storageClass?: string;
  md5Hash?: string;
  crc32c?: string;
  etag?: string;
  selfLink?: string;
  mediaLink?: string;
}

export type StorageObjectEvent = CloudEvent<StorageObjectData>;

export function storageFinalizedEvent(object: {
  bucket: string;
  name: string;
  generation: string;
  size: number;
  contentType?: string;
  updated?: Date;
  id?: string;
}): StorageObjectEvent {
  const time = (object.updated ?? new Date()).toISOString();
  const data: StorageObjectData = {
    kind: 'storage#object',
    id: `${object.bucket}/${object.name}/${object.generation}`,
    selfLink: `https://www.googleapis.com/storage/v1/b/${object.bucket}/o/${encodeURIComponent(object.name)}`,
    name: object.name,
    bucket: object.bucket,
    generation: object.generation,
    metageneration: '1',
    contentType: object.contentType ?? 'application/octet-stream',
    timeCreated: time,
    updated: time,
    storageClass: 'STANDARD',
    size: String(object.size),
  };
  return {
    specversion: '1.0',
    id: object.id ?? randomUUID(),
    source: `//storage.googleapis.com/projects/_/buckets/${object.bucket}`,
    type: STORAGE_OBJECT_FINALIZED,
    subject: `objects/${object.name}`,
    time,
    datacontenttype: 'application/json',
    data,
  };
}

/** Binary-mode HTTP form of a CloudEvent: ce-* headers + JSON body (what Eventarc POSTs). */
export function binaryModeRequest(event: CloudEvent<unknown>): { headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = {
    'content-type': event.datacontenttype ?? 'application/json',
    'ce-specversion': event.specversion,
    'ce-id': event.id,
    'ce-source': event.source,
    'ce-type': event.type,
  };
  if (event.subject) headers['ce-subject'] = event.subject;
  if (event.time) headers['ce-time'] = event.time;
  return { headers, body: JSON.stringify(event.data) };
}
