/**
 * Who may call the registry. Every request except /health and /metrics needs a principal: HTTP basic
 * credentials of a configured user, or a bearer JWT verified like the ingest API's (same settings,
 * libs/auth). Reads need the `read` permission, registering, deleting and a subject's compatibility
 * need `write`, the global compatibility and the mode need `admin`; each permission includes the ones before it. Refusals answer
 * in Confluent's format: 401/40101 without valid credentials, 403/40301 without the permission.
 */
import { createHash, timingSafeEqual } from 'crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ADMIN_SCOPE, TokenVerifier } from '@platform/auth';
import { Errors, RegistryError } from '../domain/registry-errors';

export const PERMISSIONS = ['read', 'write', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface RegistryUser {
  name: string;
  permission: Permission;
  /** SHA-256 of the password: compared in constant time, the password itself is not kept. */
  passwordHash: Buffer;
}

export type RegistryAuth = { mode: 'none' } | { mode: 'required'; users: RegistryUser[]; tokens?: TokenVerifier };

/** Paths any caller may use: probes and Prometheus scrapes carry no credentials. */
const OPEN_ROUTES = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

const hash = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export function registryUser(name: string, permission: Permission, password: string): RegistryUser {
  return { name, permission, passwordHash: hash(password) };
}

/**
 * `REGISTRY_USERS`: entries `name:permission:password`, separated by commas or newlines (so a password
 * holds neither). Errors name the entry by position, never its password.
 */
export function parseRegistryUsers(text: string): RegistryUser[] {
  const users: RegistryUser[] = [];
  const entries = text.split(/[,\n]/).map((entry) => entry.trim()).filter(Boolean);
  entries.forEach((entry, index) => {
    const first = entry.indexOf(':');
    const second = first < 0 ? -1 : entry.indexOf(':', first + 1);
    const name = entry.slice(0, first);
    const permission = entry.slice(first + 1, second) as Permission;
    const password = entry.slice(second + 1);
    if (first <= 0 || second < 0 || !PERMISSIONS.includes(permission) || password === '') {
      throw new Error(`entry ${index + 1} must be name:permission:password with permission read, write or admin`);
    }
    if (users.some((user) => user.name === name)) throw new Error(`user ${name} is listed twice`);
    users.push(registryUser(name, permission, password));
  });
  return users;
}

/** The permission a request needs, from its method and matched route (unmatched routes: read). */
export function permissionFor(method: string, route: string | undefined): Permission {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || !route) return 'read';
  // Registry-wide settings are admin; a subject's own compatibility is part of writing the subject
  // (the kafkajs client sets it when it first registers a subject).
  if (route === '/config' || route.startsWith('/mode')) return 'admin';
  // Checking compatibility and looking a schema up are POSTs that change nothing.
  if (method === 'POST' && (route.startsWith('/compatibility/') || route === '/subjects/:subject')) return 'read';
  return 'write';
}

export function grants(held: Permission, needed: Permission): boolean {
  return PERMISSIONS.indexOf(held) >= PERMISSIONS.indexOf(needed);
}

/** A token's registry permission: `admin` or `registry:admin`, `registry:write`, `registry:read`. */
export function permissionFromScopes(scopes: ReadonlySet<string>): Permission | undefined {
  if (scopes.has(ADMIN_SCOPE) || scopes.has('registry:admin')) return 'admin';
  if (scopes.has('registry:write')) return 'write';
  if (scopes.has('registry:read')) return 'read';
  return undefined;
}

const BASIC = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i;
const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The caller's permission (null: authenticated without any registry permission), or 401. */
export async function authenticate(
  auth: Extract<RegistryAuth, { mode: 'required' }>,
  header: string | undefined,
): Promise<Permission | null> {
  if (typeof header !== 'string') throw Errors.unauthenticated();
  const basic = BASIC.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw Errors.unauthenticated();
    const name = decoded.slice(0, colon);
    const given = hash(decoded.slice(colon + 1));
    const user = auth.users.find((candidate) => candidate.name === name);
    // Compared even for an unknown name, so timing does not tell which names exist.
    const matches = timingSafeEqual(given, user?.passwordHash ?? hash(`\u0000${given.toString('hex')}`));
    if (!user || !matches) throw Errors.unauthenticated();
    return user.permission;
  }
  const bearer = BEARER.exec(header);
  if (bearer && auth.tokens) {
    try {
      const principal = await auth.tokens.verify(bearer[1]);
      return permissionFromScopes(principal.scopes) ?? null;
    } catch {
      throw Errors.unauthenticated();
    }
  }
  throw Errors.unauthenticated();
}

function refuse(reply: FastifyReply, error: RegistryError): FastifyReply {
  if (error.status === 401) reply.header('www-authenticate', 'Basic realm="schema-registry", Bearer');
  return reply
    .code(error.status)
    .header('content-type', 'application/vnd.schemaregistry.v1+json')
    .header('cache-control', 'no-store')
    .send(error.toBody());
}

/** Checks every request before it reaches a route (unknown routes included, so they reveal nothing). */
export function installRegistryAuth(fastify: FastifyInstance, auth: RegistryAuth): void {
  if (auth.mode === 'none') return;
  fastify.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions?.url;
    if (route !== undefined && OPEN_ROUTES.has(route)) return;
    let permission: Permission | null;
    try {
      permission = await authenticate(auth, request.headers.authorization);
    } catch (error) {
      if (error instanceof RegistryError) return refuse(reply, error);
      throw error;
    }
    const needed = permissionFor(request.method, route);
    if (permission === null || !grants(permission, needed)) return refuse(reply, Errors.forbidden(needed));
    reply.header('cache-control', 'no-store');
  });
}
