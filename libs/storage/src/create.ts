import type { Clock } from '@openfoundry/kernel';
import type { BlobStore } from './blob-store.js';
import { LocalBlobStore } from './local-store.js';
import { S3BlobStore, type S3BlobStoreConfig } from './s3-store.js';

/** Where blobs live: a local directory (embedded mode) or an S3-compatible bucket (production). */
export type StorageConfig = { kind: 'local'; dir: string } | ({ kind: 's3' } & S3BlobStoreConfig);

/** Builds the configured {@link BlobStore}; the composition root calls this once at startup. */
export function createBlobStore(config: StorageConfig, deps: { clock?: Clock } = {}): BlobStore {
  switch (config.kind) {
    case 'local':
      return new LocalBlobStore({ dir: config.dir }, deps);
    case 's3': {
      const { kind: _kind, ...s3 } = config;
      return new S3BlobStore(s3, deps);
    }
  }
}
