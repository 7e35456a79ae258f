// The published package, as a user gets it: `npm pack` (which builds dist/ through `prepare`),
// install the tarball into an empty project, then use it on plain Node, without tsx or the
// sources: the CLI through npx, `import('tastebud')`, a model fitted with worker threads, and a
// TypeScript consumer type-checked against the shipped .d.ts files. Takes a minute or so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const exec = promisify(execFile);

// Children get no NODE_OPTIONS: `npm test` sets --conditions=tastebud-source, which would point
// the installed package at sources it does not ship.
const { NODE_OPTIONS: _, ...cleanEnv } = process.env;
const env = { ...cleanEnv, npm_config_update_notifier: 'false' };

async function run(cmd: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  try {
    return await exec(cmd, args, { cwd, env, maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

async function npmMissing(): Promise<string | false> {
  try {
    await exec('npm', ['--version'], { env });
    return false;
  } catch {
    return 'npm is not on PATH: cannot pack and install the package';
  }
}

const CONSUMER_TS = `import { createModel, generateSynthetic, type ModelOptions, type Recommendation } from 'tastebud';

const data = generateSynthetic({ users: 60, items: 30, seed: 3 });
const options: ModelOptions<'popularity'> = { shrinkage: 5 };
const model = createModel('popularity', options);
await model.fit(data.interactions);
const recs: Recommendation[] = model.recommend(data.interactions.userIds.id(0), { k: 3 });
export const first: string | undefined = recs[0]?.item;
// The types are real, not \`any\`: a model's config is checked against its hyperparameters.
// @ts-expect-error shrinkage is a number
createModel('popularity', { shrinkage: 'many' });
`;

const SMOKE_MJS = `import { createModel, generateSynthetic } from 'tastebud';

const data = generateSynthetic({ users: 200, items: 60, seed: 1 });
const user = data.interactions.userIds.id(0);
const popularity = createModel('popularity');
await popularity.fit(data.interactions);
const bpr = createModel('bpr', { factors: 8, epochs: 2, minParallelPositives: 1 });
await bpr.fit(data.interactions, { threads: 2, seed: 1 }); // Hogwild: worker threads on dist/ files
// The deep models' and the two-tower model's own worker modules (they start at 20,000 positives).
const larger = generateSynthetic({ users: 1100, items: 200, interactionsPerUser: 20, seed: 2 }).interactions;
const ncf = createModel('ncf', { factors: 8, layers: [16], epochs: 1, embeddingOptimizer: 'dense', emaDecay: 0.99 });
await ncf.fit(larger, { threads: 2, seed: 1 });
const twoTower = createModel('two-tower', { factors: 8, embeddingDim: 8, layers: [], epochs: 1 });
await twoTower.fit(larger, { threads: 2, seed: 1 });
// Mult-VAE's products over two threads: the GEMM helper's worker module (it warns on stderr if it cannot start).
const multVae = createModel('multvae', { layers: [256], latent: 16, batchSize: 100, epochs: 1 });
await multVae.fit(larger, { threads: 2, seed: 1 });
const first = larger.userIds.id(0);
console.log(JSON.stringify({ popularity: popularity.recommend(user, { k: 3 }), bpr: bpr.recommend(user, { k: 3 }), ncf: ncf.recommend(first, { k: 3 }), twoTower: twoTower.recommend(first, { k: 3 }), multVae: multVae.recommend(first, { k: 3 }), positives: larger.length }));
`;

test('npm pack → install the tarball in an empty project → CLI, import, workers and types work on plain Node', { timeout: 600_000, skip: await npmMissing() }, async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'tastebud-pack-'));
  try {
    // 1. Pack (runs `prepare`, i.e. the build). The tarball holds the build, not the sources.
    const packed = JSON.parse((await run('npm', ['pack', '--json', '--pack-destination', tmp], root)).stdout) as { filename: string; files: { path: string }[] }[];
    const files = packed[0].files.map((f) => f.path);
    for (const f of [
      'package.json',
      'bin/tastebud.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/index.js.map',
      'dist/cli/main.js',
      'dist/core/worker-entry.mjs',
      'dist/models/bilinear/worker.js',
      'dist/core/gemm-worker.js',
      'dist/serve/batch-worker.js',
    ]) {
      assert.ok(files.includes(f), `the tarball has ${f}`);
    }
    const stray = files.filter((f) => !/^(dist\/|bin\/|package\.json$|README\.md$|CHANGELOG\.md$|LICEN[CS]E)/.test(f));
    assert.deepEqual(stray, [], 'the tarball holds only dist/, bin/, package.json, README, CHANGELOG, licence');
    const tarball = join(tmp, packed[0].filename);

    // 2. An empty project installs it (the dependencies come from npm's cache), allowing the two
    // native dependencies' install scripts as the README tells a user to (npm ≥ 11 asks for it).
    const project = join(tmp, 'consumer');
    await run('mkdir', ['-p', project], tmp);
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module', allowScripts: { 'better-sqlite3': true, usearch: true } }, null, 2),
    );
    await run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], project);
    const installed = await readdir(join(project, 'node_modules'));
    assert.ok(installed.includes('tastebud'));
    assert.ok(!installed.includes('tsx') && !installed.includes('typescript'), `no tsx or typescript at run time (installed: ${installed.join(', ')})`);
    assert.ok(!existsSync(join(project, 'node_modules/tastebud/src')), 'no sources shipped');

    // 3. The command.
    const help = await run('npx', ['--no-install', 'tastebud', '--help'], project);
    assert.match(help.stdout, /Usage: tastebud/);
    assert.match(help.stdout, /demo/);
    assert.equal(help.stderr, '', 'no note about running from sources');
    const demoHelp = await run('npx', ['--no-install', 'tastebud', 'demo', '--help'], project);
    assert.match(demoHelp.stdout, /Usage: tastebud demo/);

    // 4. The library on plain node.
    const imported = await run(process.execPath, ['-e', "import('tastebud').then((t) => console.log(typeof t.createModel, typeof t.loadModel))"], project);
    assert.equal(imported.stdout.trim(), 'function function');
    await writeFile(join(project, 'smoke.mjs'), SMOKE_MJS);
    const smokeRun = await run(process.execPath, ['smoke.mjs'], project);
    assert.doesNotMatch(smokeRun.stderr, /GEMM helper/, 'the GEMM helper thread started from dist/');
    const smoke = JSON.parse(smokeRun.stdout) as Record<'popularity' | 'bpr' | 'ncf' | 'twoTower' | 'multVae', { item: string; score: number }[]> & { positives: number };
    assert.equal(smoke.popularity.length, 3);
    assert.equal(smoke.bpr.length, 3);
    for (const name of ['bpr', 'ncf', 'twoTower', 'multVae'] as const)
      assert.ok(smoke[name].length === 3 && smoke[name].every((r) => typeof r.item === 'string' && Number.isFinite(r.score)), name);
    assert.ok(smoke.positives >= 20_000, 'enough positives for the deep and two-tower workers');

    // 5. A TypeScript consumer type-checks against the shipped declarations (lib checks on), with
    // Node's types and without them (TypeScript's default libs, DOM's fetch and URL among them):
    // the public types must not need @types/node.
    await writeFile(join(project, 'index.ts'), CONSUMER_TS);
    for (const types of [['node'], []]) {
      await writeFile(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            lib: types.length > 0 ? ['ES2022'] : ['ES2022', 'DOM'],
            types,
            typeRoots: types.length > 0 ? [join(root, 'node_modules/@types')] : [],
          },
          files: ['index.ts'],
        }),
      );
      await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], project);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
