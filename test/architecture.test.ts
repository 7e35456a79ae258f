import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The layer rule of docs/architecture.md, checked on every import in src/: a module may import
 * from its own layer or from a layer listed before it, never from one after it. No exceptions.
 */
const LAYERS = ['contracts', 'core', 'modelfile', 'data', 'sampling', 'eval', 'train', 'models', 'serve', 'doctor', 'experiment', 'cli'];
// Files directly under src/ sit on top: the package's public entry re-exports every layer.
const TOP = LAYERS.length;

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|mts|mjs)$/.test(name) ? [full] : [];
  });
}

function layerOf(file: string): number {
  const rel = path.relative(src, file).split(path.sep);
  if (rel.length === 1) return TOP;
  const rank = LAYERS.indexOf(rel[0]);
  assert.ok(rank >= 0, `src/${rel[0]}/ is not a known layer: add it to LAYERS and to docs/architecture.md`);
  return rank;
}

/** Every import or re-export specifier of a module, static or dynamic. */
export function importsOf(text: string): { spec: string; dynamic: boolean }[] {
  const found: { spec: string; dynamic: boolean }[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]/g)) found.push({ spec: m[1], dynamic: false });
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) found.push({ spec: m[1], dynamic: false });
  for (const m of text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ spec: m[1], dynamic: true });
  return found;
}

const files = sourceFiles(src);

test('the import scanner sees static, re-exported, side-effect and dynamic imports', () => {
  const text = "import { a } from './a.ts';\nimport type {\n  B,\n} from '../b.ts';\nexport { c } from './c.ts';\nimport './d.ts';\nconst e = await import('./e.ts');";
  assert.deepEqual(
    importsOf(text).map((i) => `${i.spec}${i.dynamic ? ' (dynamic)' : ''}`),
    ['./a.ts', '../b.ts', './c.ts', './d.ts', './e.ts (dynamic)'],
  );
});

test('no module imports from a layer above its own', () => {
  const violations: string[] = [];
  for (const file of files) {
    const from = layerOf(file);
    for (const { spec } of importsOf(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), spec);
      if (!target.startsWith(src + path.sep)) continue;
      const to = layerOf(target);
      if (to > from) violations.push(`${path.relative(src, file)} imports ${spec} (${LAYERS[to]} is above ${LAYERS[from] ?? 'src'})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('contracts is a leaf: it imports nothing outside itself', () => {
  const outside = files
    .filter((f) => layerOf(f) === 0)
    .flatMap((f) =>
      importsOf(readFileSync(f, 'utf8'))
        .filter((i) => !i.spec.startsWith('./'))
        .map((i) => `${path.relative(src, f)}: ${i.spec}`),
    );
  assert.deepEqual(outside, []);
});

test('no dynamic import() in src/ except the worker entry', () => {
  const dynamic = files
    .filter((f) => !f.endsWith('worker-entry.mjs'))
    .flatMap((f) =>
      importsOf(readFileSync(f, 'utf8'))
        .filter((i) => i.dynamic)
        .map((i) => `${path.relative(src, f)}: import('${i.spec}')`),
    );
  assert.deepEqual(dynamic, []);
});
