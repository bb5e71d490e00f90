/**
 * The lake in an S3 bucket (or any S3-API server: MinIO, S3Proxy, s3rver). A PUT is atomic: readers
 * see the old object or the new one. Parquet is written to a local temporary file first and uploaded.
 */
import { promises as fs } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { randomUUID } from 'crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { isNetworkError } from '@platform/warehouse';
import { joinKey } from './layout';
import { LakeStore } from './store';

export interface S3LakeSettings {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
}

export class S3LakeStore implements LakeStore {
  readonly location: string;
  private readonly client: S3Client;
  private readonly staging = join(tmpdir(), `sink-lake-${process.pid}-${randomUUID().slice(0, 8)}`);

  private readonly sdk: typeof import('@aws-sdk/client-s3');

  constructor(private readonly settings: S3LakeSettings) {
    this.location = `s3://${settings.bucket}`;
    // Loaded here, not at import: processes without an S3 lake never load the SDK.
    this.sdk = require('@aws-sdk/client-s3');
    this.client = new this.sdk.S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.forcePathStyle,
      credentials: settings.accessKeyId && settings.secretAccessKey ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } : undefined,
      maxAttempts: 3,
    });
  }

  async open(): Promise<void> {
    await fs.mkdir(this.staging, { recursive: true });
  }

  stagingPath(name: string): string {
    return join(this.staging, `${randomUUID().slice(0, 8)}-${name}.tmp`);
  }

  async putFile(key: string, file: string): Promise<number> {
    try {
      const body = await fs.readFile(file);
      await this.putBytes(key, body, 'application/vnd.apache.parquet');
      return body.length;
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  async putBytes(key: string, body: Buffer, contentType = 'application/json'): Promise<void> {
    await this.client.send(new this.sdk.PutObjectCommand({ Bucket: this.settings.bucket, Key: key, Body: body, ContentLength: body.length, ContentType: contentType }));
  }

  async getBytes(key: string): Promise<Buffer | null> {
    try {
      const result = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      const bytes = await result.Body?.transformToByteArray();
      return bytes ? Buffer.from(bytes) : Buffer.alloc(0);
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return null;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    const Prefix = prefix === '' ? undefined : `${joinKey(prefix)}/`;
    do {
      const page = await this.client.send(new this.sdk.ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  isTransient(error: unknown): boolean {
    const e = error as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
    const status = e?.$metadata?.httpStatusCode ?? 0;
    return status >= 500 || status === 429 || e?.name === 'SlowDown' || e?.name === 'TimeoutError' || Boolean(e?.$retryable) || isNetworkError(error);
  }

  async close(): Promise<void> {
    this.client.destroy();
    await fs.rm(this.staging, { recursive: true, force: true });
  }
}
