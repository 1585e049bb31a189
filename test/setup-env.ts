/**
 * Jest setupFiles: runs in every test file's environment before it loads. Keeps passing runs quiet.
 * - gcp-metadata (under @google-cloud/storage and pubsub's auth) probes the GCE metadata server when no
 *   credentials are set and prints a MetadataLookupWarning when it is not there; the tests use emulators and
 *   never a metadata server, so skip the probe ('none': neither ping nor use it; a value gcp-metadata checks).
 *   Child processes the tests start inherit it.
 */
process.env.METADATA_SERVER_DETECTION ??= 'none';
