#!/usr/bin/env node
// The `tastebud` command. It runs the built CLI, dist/cli/main.js (plain JavaScript, no tsx).
// Two development cases run the TypeScript sources through tsx (a dev dependency) instead:
// - Node started with `--conditions=tastebud-source` (`npm test` sets it in NODE_OPTIONS), so the
//   tests exercise src/ and never a stale build: package.json maps "#cli" to src/cli/main.ts then;
// - a checkout where dist/ was never built (`npm ci --ignore-scripts`): a note on stderr says so.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/main.js', import.meta.url);
const source = new URL('../src/cli/main.ts', import.meta.url);
let entry = typeof import.meta.resolve === 'function' ? new URL(import.meta.resolve('#cli')) : built;
if (!existsSync(entry)) {
  if (entry.href === built.href && existsSync(source)) {
    process.stderr.write('tastebud: dist/ is not built (run `npm run build`); running the TypeScript sources through tsx.\n');
    entry = source;
  } else {
    process.stderr.write(`tastebud: ${entry.pathname} is missing; reinstall the package, or run \`npm run build\` in a checkout.\n`);
    process.exit(1);
  }
}
if (entry.pathname.endsWith('.ts')) {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    process.stderr.write('tastebud: running the TypeScript sources needs tsx (a dev dependency): run `npm ci`, or `npm run build` and use the build.\n');
    process.exit(1);
  }
  tsx.register();
}
const { main } = await import(entry.href);
await main(process.argv);
