import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ConfigError } from '@platform/runtime';
import { loadRegistryConfig } from '../config';
import { authenticate, grants, parseRegistryUsers, permissionFor, registryUser } from './registry-auth';

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('registry users', () => {
  it('parses name:permission:password entries separated by commas or newlines (the password may hold colons)', () => {
    const users = parseRegistryUsers('ingest:write:a:b:c, reader:read:r\nops:admin:o\n');
    expect(users.map((u) => [u.name, u.permission])).toEqual([
      ['ingest', 'write'],
      ['reader', 'read'],
      ['ops', 'admin'],
    ]);
  });

  it.each([['nopermission'], ['x:owner:pw'], ['x:read:'], [':read:pw'], ['x:read:pw,x:write:pw2']])(
    'refuses %s without echoing a password',
    (text) => {
      expect(() => parseRegistryUsers(text)).toThrow(/entry|twice/);
      try {
        parseRegistryUsers(text);
      } catch (error) {
        expect((error as Error).message).not.toMatch(/pw/);
      }
    },
  );

  it('authenticates a user by password and refuses a wrong password, an unknown name, or no header with 40101', async () => {
    const auth = { mode: 'required' as const, users: [registryUser('a', 'write', 'p:1')] };
    expect(await authenticate(auth, basic('a:p:1'))).toBe('write');
    for (const header of [basic('a:p:2'), basic('b:p:1'), basic('a'), undefined, 'Bearer x', 'Digest y']) {
      await expect(authenticate(auth, header)).rejects.toMatchObject({ status: 401, errorCode: 40101 });
    }
  });
});

describe('permissions', () => {
  it.each([
    ['GET', '/subjects', 'read'],
    ['GET', '/mode', 'read'],
    ['POST', '/subjects/:subject', 'read'],
    ['POST', '/compatibility/subjects/:subject/versions/:version', 'read'],
    ['POST', '/subjects/:subject/versions', 'write'],
    ['DELETE', '/subjects/:subject', 'write'],
    ['DELETE', '/subjects/:subject/versions/:version', 'write'],
    ['PUT', '/config/:subject', 'write'],
    ['DELETE', '/config/:subject', 'write'],
    ['PUT', '/config', 'admin'],
    ['DELETE', '/config', 'admin'],
    ['PUT', '/mode', 'admin'],
    ['POST', undefined, 'read'],
  ])('%s %s needs %s', (method, route, needed) => {
    expect(permissionFor(method, route)).toBe(needed);
  });

  it('orders read < write < admin', () => {
    expect([grants('read', 'write'), grants('write', 'write'), grants('write', 'admin'), grants('admin', 'read')]).toEqual([
      false,
      true,
      false,
      true,
    ]);
  });
});

describe('loadRegistryConfig', () => {
  it('refuses to start without users or a JWT key source unless REGISTRY_AUTH=none', () => {
    expect(() => loadRegistryConfig({})).toThrow(ConfigError);
    expect(() => loadRegistryConfig({})).toThrow(/REGISTRY_USERS.*REGISTRY_AUTH=none/s);
    expect(loadRegistryConfig({ REGISTRY_AUTH: 'none' }).auth).toEqual({ mode: 'none' });
    expect(() => loadRegistryConfig({ REGISTRY_AUTH: 'off' })).toThrow(/REGISTRY_AUTH must be one of required, none/);
  });

  it('reads users from REGISTRY_USERS_FILE and accepts JWTs when JWT_SECRET is set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'registry-users-'));
    writeFileSync(join(dir, 'users'), 'svc:write:s3cret\n');
    const fromFile = loadRegistryConfig({ REGISTRY_USERS_FILE: join(dir, 'users') }).auth;
    expect(fromFile).toMatchObject({ mode: 'required', users: [{ name: 'svc', permission: 'write' }], tokens: undefined });
    const withJwt = loadRegistryConfig({ JWT_SECRET: 'x' }).auth;
    expect(withJwt).toMatchObject({ mode: 'required', users: [], tokens: expect.anything() });
  });

  it('names the variable and hides the value of a malformed user list', () => {
    expect(() => loadRegistryConfig({ REGISTRY_USERS: 'svc:superuser:hunter2' })).toThrow(/REGISTRY_USERS: entry 1/);
    expect(() => loadRegistryConfig({ REGISTRY_USERS: 'svc:superuser:hunter2' })).not.toThrow(/hunter2/);
  });

  it('binds to loopback unless HOST says otherwise', () => {
    expect(loadRegistryConfig({ REGISTRY_AUTH: 'none' }).host).toBe('127.0.0.1');
    expect(loadRegistryConfig({ REGISTRY_AUTH: 'none', HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });
});
