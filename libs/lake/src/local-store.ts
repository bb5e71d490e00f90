/**
 * The lake in a local directory. A put writes a temporary file inside <root>/_tmp (same file system),
 * flushes it to disk and renames it over the destination, so a reader or a crash only ever sees the
 * old or the new object, never a partial one.
 */
import { promises as fs } from 'fs';
import { dirname, join, relative, sep } from 'path';
import { randomUUID } from 'crypto';
import { isNetworkError } from '@platform/warehouse';
import { LakeStore } from './store';

const STAGING_DIR = '_tmp';

async function fsyncPath(path: string, flags: string): Promise<void> {
  const handle = await fs.open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class LocalLakeStore implements LakeStore {
  readonly location: string;

  constructor(private readonly root: string) {
    this.location = root;
  }

  /** Creates the root and removes temporary files a killed writer may have left. */
  async open(staleAfterMs = 10 * 60_000): Promise<void> {
    const staging = join(this.root, STAGING_DIR);
    await fs.mkdir(staging, { recursive: true });
    const now = Date.now();
    for (const name of await fs.readdir(staging)) {
      const path = join(staging, name);
      const stat = await fs.stat(path).catch(() => undefined);
      if (stat && now - stat.mtimeMs > staleAfterMs) await fs.rm(path, { force: true });
    }
  }

  stagingPath(name: string): string {
    return join(this.root, STAGING_DIR, `${process.pid}-${randomUUID().slice(0, 8)}-${name}.tmp`);
  }

  async putFile(key: string, file: string): Promise<number> {
    const target = join(this.root, key);
    await fs.mkdir(dirname(target), { recursive: true });
    await fsyncPath(file, 'r');
    const { size } = await fs.stat(file);
    await fs.rename(file, target);
    await fsyncPath(dirname(target), 'r').catch(() => undefined);
    return size;
  }

  async putBytes(key: string, body: Buffer): Promise<void> {
    const temp = this.stagingPath(key.split('/').pop() ?? 'object');
    await fs.mkdir(dirname(temp), { recursive: true });
    const handle = await fs.open(temp, 'w');
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const target = join(this.root, key);
    await fs.mkdir(dirname(target), { recursive: true });
    await fs.rename(temp, target);
  }

  async getBytes(key: string): Promise<Buffer | null> {
    try {
      return await fs.readFile(join(this.root, key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const start = join(this.root, prefix);
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (relative(this.root, path) !== STAGING_DIR) await walk(path);
        } else {
          out.push(relative(this.root, path).split(sep).join('/'));
        }
      }
    };
    await walk(start);
    return out.sort();
  }

  isTransient(error: unknown): boolean {
    const code = (error as NodeJS.ErrnoException)?.code;
    return code === 'ENOSPC' || code === 'EMFILE' || code === 'ENFILE' || code === 'EBUSY' || code === 'EAGAIN' || isNetworkError(error);
  }

  async close(): Promise<void> {}
}
