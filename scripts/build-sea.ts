/**
 * `npm run build:sea`: staticlet as one executable file for air-gapped nodes, with no
 * node_modules and no network (Node's single executable applications).
 *
 *   1. esbuild bundles the compiled CLI (dist/src/cli/sea-entry.js) and every dependency into
 *      one CommonJS file: a single executable runs one CommonJS script and can require only
 *      Node's built-in modules.
 *   2. The files staticlet reads at run time (proto/, schemas/, the version from package.json)
 *      become SEA assets under their package-relative names; lib/package-files.ts reads them.
 *   3. `node --experimental-sea-config` writes the blob, and postject injects it into a copy of
 *      the node binary running this script: the executable is that Node version, for this
 *      platform and architecture.
 *
 * Output: dist/sea/staticlet. Exit 1 with a message when esbuild or postject is missing (they
 * are devDependencies: `npm ci` installs them).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The fuse Node's binary carries for postject; fixed for every Node version with SEA support. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** Shipped files the code reads at run time, by package-relative name (also the asset keys). */
export const SEA_ASSETS = ['proto/cri-v1.proto', 'proto/cri-v1-relist.proto', 'proto/containerd-tasks-v1.proto', 'proto/grpc-health-v1.proto', 'schemas/kubernetes-v1.36.json'] as const;

function repoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'proto'))) return dir;
    if (dirname(dir) === dir) throw new Error('package.json not found above the build script');
  }
}

interface Postject {
  inject(file: string, name: string, data: Buffer, opts: { sentinelFuse: string; overwrite?: boolean }): Promise<void>;
}

async function tools(root: string): Promise<{ esbuild: typeof import('esbuild'); postject: Postject } | string> {
  const req = createRequire(join(root, 'package.json'));
  try {
    const esbuild = (await import(pathToFileURL(req.resolve('esbuild')).href)) as typeof import('esbuild');
    const postject = req('postject') as Postject;
    return { esbuild, postject };
  } catch (err) {
    return `esbuild and postject are needed (devDependencies: run "npm ci"): ${(err as Error).message.split('\n', 1)[0]}`;
  }
}

export async function buildSea(root: string = repoRoot(), log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<string> {
  const t = await tools(root);
  if (typeof t === 'string') throw new Error(t);
  const entry = join(root, 'dist/src/cli/sea-entry.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run "npm run build" first`);
  const out = join(root, 'dist/sea');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  const bundle = join(out, 'staticlet.cjs');
  await t.esbuild.build({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    // import.meta has no meaning in CommonJS; the code only uses it outside a SEA (lib/package-files.ts).
    define: { 'import.meta.url': '__staticlet_bundle_url' },
    banner: { js: "const __staticlet_bundle_url = require('node:url').pathToFileURL(typeof __filename === 'string' ? __filename : process.execPath).href;" },
    legalComments: 'none',
    logLevel: 'warning',
  });

  // Only what packageVersion() reads: the name and the version.
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  const pkgAsset = join(out, 'package.json');
  writeFileSync(pkgAsset, `${JSON.stringify({ name: pkg.name, version: pkg.version })}\n`);
  const assets: Record<string, string> = { 'package.json': pkgAsset };
  for (const a of SEA_ASSETS) assets[a] = join(root, a);

  const blob = join(out, 'staticlet.blob');
  const config = join(out, 'sea-config.json');
  writeFileSync(config, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false, assets }, null, 2));
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });

  const exe = join(out, 'staticlet');
  copyFileSync(process.execPath, exe);
  chmodSync(exe, 0o755);
  await t.postject.inject(exe, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });
  for (const f of [bundle, blob, config, pkgAsset]) rmSync(f, { force: true });
  log(`wrote ${exe} (${Math.round(statSync(exe).size / 1024 / 1024)} MiB, Node ${process.version}, ${process.platform}/${process.arch})`);
  return exe;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  buildSea().catch((err: unknown) => {
    process.stderr.write(`build-sea: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
