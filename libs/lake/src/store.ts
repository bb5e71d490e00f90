/** Where lake objects are kept: a local directory or an S3 bucket. Every put replaces atomically. */
export interface LakeStore {
  /** For logs: the directory or s3://bucket/prefix. */
  readonly location: string;
  /** A local path where a writer may create a temporary file destined for putFile. */
  stagingPath(name: string): string;
  /** Stores the file under `key` (replacing any object there) and removes the local file; returns its size. */
  putFile(key: string, file: string): Promise<number>;
  putBytes(key: string, body: Buffer): Promise<void>;
  /** The object's bytes, or null when there is none. */
  getBytes(key: string): Promise<Buffer | null>;
  /** Keys under a prefix (recursively). */
  list(prefix: string): Promise<string[]>;
  /** True for errors that retrying can fix. */
  isTransient(error: unknown): boolean;
  close(): Promise<void>;
}
