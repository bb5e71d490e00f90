/**
 * The console's static files under /console: the page and its modules (apps/ingest-api/console,
 * copied beside the compiled app by the build) and the front-end libraries, served from
 * node_modules as they are published (no bundler, no CDN). Everything is read once at startup.
 * Preact's hooks module imports the bare name "preact"; a page cannot resolve that without an
 * import map (an inline script the Content-Security-Policy forbids), so it is pointed at the file.
 */
import { existsSync, readdirSync, readFileSync } from 'fs';
import { dirname, extname, join } from 'path';
import { errorBody } from '@platform/contracts';
import type { FastifyServer } from '../http/http-hooks';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Library files the page loads: served name -> package file (and a rewrite where needed). */
const VENDOR: Record<string, { file: string; rewrite?: (text: string) => string }> = {
  'preact.js': { file: 'preact/dist/preact.mjs' },
  'hooks.js': { file: 'preact/hooks/dist/hooks.mjs', rewrite: (text) => text.replace(/from\s*["']preact["']/g, 'from"./preact.js"') },
  'htm.js': { file: 'htm/dist/htm.mjs' },
  'uplot.js': { file: 'uplot/dist/uPlot.esm.js' },
  'uplot.css': { file: 'uplot/dist/uPlot.min.css' },
  'diff.js': { file: 'diff/dist/diff.min.js' },
};

interface Asset {
  type: string;
  body: Buffer;
}

/** Where the page's own files are: beside src/ in the sources, beside the compiled src/ in dist/. */
export function consoleDir(): string {
  return join(__dirname, '..', '..', 'console');
}

/** A file of an installed package: its root is found from the package's entry point, whatever its exports allow. */
function packageFile(path: string): Buffer {
  const [name, ...rest] = path.split('/');
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`package ${name} not found`);
    dir = parent;
  }
  return readFileSync(join(dir, ...rest));
}

export function loadConsoleAssets(dir = consoleDir()): { pages: Map<string, Asset>; vendor: Map<string, Asset> } {
  if (!existsSync(dir)) throw new Error(`console files not found in ${dir}`);
  const pages = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) pages.set(name, { type, body: readFileSync(join(dir, name)) });
  }
  const vendor = new Map<string, Asset>();
  for (const [name, { file, rewrite }] of Object.entries(VENDOR)) {
    const body = packageFile(file);
    vendor.set(name, { type: TYPES[extname(name)], body: rewrite ? Buffer.from(rewrite(body.toString('utf8'))) : body });
  }
  return { pages, vendor };
}

export function serveConsole(fastify: FastifyServer, assets = loadConsoleAssets()): void {
  const index = assets.pages.get('index.html');
  if (!index) throw new Error('console index.html is missing');
  const notFound = (request: { id: string }, reply: { code(n: number): { type(t: string): { send(b: unknown): void } } }) =>
    reply.code(404).type('application/json; charset=utf-8').send(errorBody({ errorCode: 'NOT_FOUND', message: 'no such console file' }, request.id));
  fastify.get('/console', (_request, reply) => void reply.type(index.type).send(index.body));
  fastify.get('/console/', (_request, reply) => void reply.type(index.type).send(index.body));
  fastify.get('/console/:file', (request, reply) => {
    const asset = assets.pages.get((request.params as { file: string }).file);
    if (!asset) return notFound(request, reply);
    void reply.type(asset.type).send(asset.body);
  });
  fastify.get('/console/vendor/:file', (request, reply) => {
    const asset = assets.vendor.get((request.params as { file: string }).file);
    if (!asset) return notFound(request, reply);
    void reply.header('cache-control', 'public, max-age=3600').type(asset.type).send(asset.body);
  });
}
