import { promises as fs } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { LocalLakeStore } from './local-store';

describe('LocalLakeStore', () => {
  let root: string;
  let store: LocalLakeStore;

  beforeEach(async () => {
    root = await fs.mkdtemp(join(tmpdir(), 'local-lake-'));
    store = new LocalLakeStore(join(root, 'lake-root'));
  });

  afterEach(async () => {
    await store.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('names its directory as its location', () => {
    expect(store.location).toBe(join(root, 'lake-root'));
  });

  it('creates the root and its staging directory on open', async () => {
    await store.open();
    expect(await fs.readdir(join(root, 'lake-root'))).toEqual(['_tmp']);
  });

  it('removes staging files older than the stale age on open, keeping newer ones', async () => {
    await store.open();
    const staging = join(root, 'lake-root', '_tmp');
    const now = Date.now() / 1000;
    await fs.writeFile(join(staging, 'old.tmp'), 'x');
    await fs.utimes(join(staging, 'old.tmp'), now - 3600, now - 3600);
    await fs.writeFile(join(staging, 'recent.tmp'), 'x');
    await fs.utimes(join(staging, 'recent.tmp'), now - 60, now - 60);
    await fs.writeFile(join(staging, 'new.tmp'), 'x');
    await store.open(); // default: 10 minutes
    expect((await fs.readdir(staging)).sort()).toEqual(['new.tmp', 'recent.tmp']);
    await store.open(30_000);
    expect(await fs.readdir(staging)).toEqual(['new.tmp']);
  });

  it('stages under _tmp with the process id and the given name', () => {
    const path = store.stagingPath('events.parquet');
    expect(path.startsWith(join(root, 'lake-root', '_tmp', `${process.pid}-`))).toBe(true);
    expect(path.endsWith('-events.parquet.tmp')).toBe(true);
    expect(path).toMatch(/\/\d+-[0-9a-f]{8}-events\.parquet\.tmp$/);
    expect(store.stagingPath('events.parquet')).not.toBe(path);
  });

  it('moves a staged file to its key, creating the directories, and returns its size', async () => {
    await store.open();
    const staged = store.stagingPath('a.parquet');
    await fs.writeFile(staged, 'twelve bytes');
    expect(await store.putFile('x/y/a.parquet', staged)).toBe(12);
    expect(await fs.readFile(join(root, 'lake-root', 'x/y/a.parquet'), 'utf8')).toBe('twelve bytes');
    await expect(fs.stat(staged)).rejects.toMatchObject({ code: 'ENOENT' });
    // Replaces what is there.
    const second = store.stagingPath('a.parquet');
    await fs.writeFile(second, 'new');
    expect(await store.putFile('x/y/a.parquet', second)).toBe(3);
    expect(await fs.readFile(join(root, 'lake-root', 'x/y/a.parquet'), 'utf8')).toBe('new');
  });

  it('fails a put of a file that does not exist', async () => {
    await store.open();
    await expect(store.putFile('k', join(root, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes bytes to a key (replacing them), reads them back, and reads null for a missing key', async () => {
    await store.putBytes('m/p1.json', Buffer.from('{"a":1}'));
    expect((await store.getBytes('m/p1.json'))?.toString()).toBe('{"a":1}');
    await store.putBytes('m/p1.json', Buffer.from('{}'));
    expect((await store.getBytes('m/p1.json'))?.toString()).toBe('{}');
    expect(await store.getBytes('m/p2.json')).toBeNull();
    expect(await fs.readdir(join(root, 'lake-root', '_tmp'))).toEqual([]);
  });

  it('fails a read that is not a missing file', async () => {
    await store.putBytes('dir/file', Buffer.from('x'));
    await expect(store.getBytes('dir')).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('lists keys under a prefix recursively, sorted, with / separators, never the staging files', async () => {
    await store.open();
    await store.putBytes('b/2.json', Buffer.from('2'));
    await store.putBytes('a/z/1.json', Buffer.from('1'));
    await store.putBytes('a/0.json', Buffer.from('0'));
    await store.putBytes('top.json', Buffer.from('t'));
    await store.putBytes('a.json', Buffer.from('a')); // walked after a/ (a directory entry sorts first), listed before it
    await fs.writeFile(join(root, 'lake-root', '_tmp', 'half-written.tmp'), 'x');
    expect(await store.list('')).toEqual(['a.json', 'a/0.json', 'a/z/1.json', 'b/2.json', 'top.json']);
    expect(await store.list('a')).toEqual(['a/0.json', 'a/z/1.json']);
    expect(await store.list('nothing')).toEqual([]);
  });

  it('fails a listing that is not a missing directory', async () => {
    await store.putBytes('file', Buffer.from('x'));
    await expect(store.list('file')).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('calls full disks, descriptor limits, busy files and network errors transient, nothing else', () => {
    for (const code of ['ENOSPC', 'EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN', 'ECONNRESET']) expect(store.isTransient(Object.assign(new Error(code), { code }))).toBe(true);
    for (const code of ['ENOENT', 'EACCES', 'EISDIR']) expect(store.isTransient(Object.assign(new Error('x'), { code }))).toBe(false);
    expect(store.isTransient(new Error('boom'))).toBe(false);
    expect(store.isTransient(undefined)).toBe(false);
    expect(store.isTransient(null)).toBe(false);
  });
  it('treats a staging file exactly the stale age old as not yet stale (with a fake clock)', async () => {
    await store.open();
    const file = join(root, 'lake-root', '_tmp', 'edge.tmp');
    await fs.writeFile(file, 'x');
    const { mtimeMs } = await fs.stat(file);
    const now = jest.spyOn(Date, 'now').mockReturnValue(mtimeMs + 1000);
    try {
      await store.open(1000);
      expect(await fs.readdir(join(root, 'lake-root', '_tmp'))).toEqual(['edge.tmp']);
      await store.open(999);
      expect(await fs.readdir(join(root, 'lake-root', '_tmp'))).toEqual([]);
    } finally {
      now.mockRestore();
    }
  });

  it('flushes a put file and its directory to disk before reporting it stored, and closes every handle (watched with a spy)', async () => {
    await store.open();
    const staged = store.stagingPath('a.parquet');
    await fs.writeFile(staged, 'abc');
    const opened: Array<{ path: string; flags: string; synced: boolean; closed: boolean }> = [];
    const realOpen = fs.open.bind(fs);
    const open = jest.spyOn(fs, 'open').mockImplementation(async (path, flags) => {
      const handle = await realOpen(path, flags);
      const entry = { path: String(path), flags: String(flags), synced: false, closed: false };
      opened.push(entry);
      const sync = handle.sync.bind(handle);
      const close = handle.close.bind(handle);
      handle.sync = async () => {
        entry.synced = true;
        return sync();
      };
      handle.close = async () => {
        entry.closed = true;
        return close();
      };
      return handle;
    });
    try {
      await store.putFile('x/a.parquet', staged);
      await store.putBytes('m/p1.json', Buffer.from('{}'));
    } finally {
      open.mockRestore();
    }
    expect(opened.map(({ path, ...rest }) => [path, rest])).toEqual([
      [staged, { flags: 'r', synced: true, closed: true }],
      [join(root, 'lake-root', 'x'), { flags: 'r', synced: true, closed: true }],
      [expect.stringMatching(/\/_tmp\/\d+-[0-9a-f]{8}-p1\.json\.tmp$/), { flags: 'w', synced: true, closed: true }],
    ]);
  });
});
