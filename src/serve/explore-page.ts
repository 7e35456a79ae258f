import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { NotFoundError } from './engine.ts';

/** Where the built page is: dist/web beside dist/serve (built package), or the repository's dist/web (running from source). */
export function defaultWebRoot(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '..', 'web'), join(here, '..', '..', 'dist', 'web')]) if (existsSync(join(candidate, 'index.html'))) return candidate;
  return null;
}

/** The built explore page at `/` (index.html, hashed assets, the icon); without a build, `/` says how to make one. */
export function registerPage(app: FastifyInstance, root: string | null): void {
  const page = async (file: string, reply: FastifyReply) => {
    if (root === null) {
      return reply.code(404).type('text/plain; charset=utf-8').send('the explore page is not built: run `npm run build` (it writes dist/web); the API is at /docs');
    }
    const path = resolve(root, file);
    if (!path.startsWith(resolve(root) + sep)) throw new NotFoundError(`no file ${file}`);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) throw new NotFoundError(`no file ${file}`);
    // Hashed asset names never change content; index.html must be re-read to find new ones.
    reply.header('cache-control', file.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    return reply.type(MIME[extname(path)] ?? 'application/octet-stream').send(await readFile(path));
  };
  app.get('/', { schema: { hide: true } }, async (_request, reply) => page('index.html', reply));
  app.get('/assets/*', { schema: { hide: true } }, async (request, reply) => page(`assets/${(request.params as { '*': string })['*']}`, reply));
  app.get('/favicon.svg', { schema: { hide: true } }, async (_request, reply) => page('favicon.svg', reply));
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};
