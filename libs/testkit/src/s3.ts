import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

/** s3rver's fixed credentials (it checks the access key id; it does not verify SigV4 signatures). */
export const S3RVER_ACCESS_KEY = 'S3RVER';
export const S3RVER_SECRET = 'S3RVER';

/** A real S3-compatible server (s3rver) on a free loopback port, storing into a temp directory. */
export interface TestS3Server {
  endpoint: string;
  dir: string;
  createBucket(name: string): Promise<void>;
  /** A raw SDK client, to look at the bucket behind the store's back. */
  client: S3Client;
  close(): Promise<void>;
}

export async function startS3Server(): Promise<TestS3Server> {
  const dir = await mkdtemp(join(tmpdir(), 'of-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(dir, 'data') });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_ACCESS_KEY, secretAccessKey: S3RVER_SECRET },
  });
  return {
    endpoint,
    dir,
    client,
    createBucket: async (name) => {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    close: async () => {
      client.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
