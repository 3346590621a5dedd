import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { REPO } from '../../helpers/cli.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { buildSea } from '../../../scripts/build-sea.js';

const run = promisify(execFile);

/** Runs a program, resolving with its exit code and output whatever the code. */
async function exec(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(file, args, { cwd, env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

/** esbuild and postject are devDependencies: only a production install lacks them. */
function buildToolsMissing(): string | undefined {
  const req = createRequire(join(REPO, 'package.json'));
  try {
    req.resolve('esbuild');
    req.resolve('postject');
    return undefined;
  } catch {
    return 'esbuild or postject is not installed (devDependencies; npm ci installs them)';
  }
}

/** Nothing from the repository or a node_modules can help the program under test. */
function bareEnv(): NodeJS.ProcessEnv {
  return { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: tmpdir() };
}

describe('one-file install: the single executable and npm pack', () => {
  let env: ContainerdEnv;
  let work: string;
  before(async () => {
    env = await startContainerd();
    work = await mkdtemp(join(tmpdir(), 'staticlet-install-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
    await env?.down();
  });

  test('the single executable runs version, validate and runtime info from an empty directory', { skip: buildToolsMissing() }, async () => {
    const extracted = async (): Promise<string[]> => (await readdir(tmpdir())).filter((n) => n.startsWith('staticlet-sea-'));
    const before = await extracted();
    const exe = await buildSea(REPO, () => {});
    const dir = join(work, 'sea');
    await cp(join(REPO, 'manifests'), join(dir, 'manifests'), { recursive: true });
    await copyFile(exe, join(dir, 'staticlet'));
    const bin = join(dir, 'staticlet');
    const v = await exec(bin, ['--version'], dir, bareEnv());
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^staticlet \d+\.\d+\.\d+ \(Kubernetes API 1\.36, CRI v1\)\n$/);
    // validate reads the bundled schema, a SEA asset.
    const ok = await exec(bin, ['validate', 'manifests/'], dir, bareEnv());
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /3 manifests valid/);
    // runtime info loads the CRI proto, a SEA asset, and speaks to containerd.
    const info = await exec(bin, ['runtime', 'info', '--container-runtime-endpoint', env.endpoint, '-o', 'json'], dir, bareEnv());
    assert.equal(info.code, 0, info.stdout + info.stderr);
    const doc = JSON.parse(info.stdout) as { ready: boolean; version: { runtimeName: string; runtimeApiVersion: string } };
    assert.equal(doc.ready, true);
    assert.equal(doc.version.runtimeName, 'containerd');
    assert.equal(doc.version.runtimeApiVersion, 'v1');
    // The assets extracted for the proto loader are gone when it exits.
    assert.deepEqual(await extracted(), before);
  });

  test('npm pack, then npm install -g in a temporary prefix, gives a working staticlet command', async () => {
    const dir = join(work, 'npm');
    await mkdir(dir, { recursive: true });
    const packed = await exec('npm', ['pack', '--silent', '--pack-destination', dir], REPO);
    assert.equal(packed.code, 0, packed.stderr);
    const tarball = join(dir, packed.stdout.trim().split('\n').pop()!);
    // Dependencies come from the npm cache that npm ci filled; the registry only for what is not there.
    const installed = await exec('npm', ['install', '-g', '--prefer-offline', '--no-audit', '--no-fund', '--prefix', join(dir, 'prefix'), tarball], dir);
    assert.equal(installed.code, 0, installed.stderr);
    const bin = join(dir, 'prefix', 'bin', 'staticlet');
    const v = await exec(bin, ['version', '-o', 'json'], dir);
    assert.equal(v.code, 0, v.stderr);
    assert.deepEqual(Object.keys(JSON.parse(v.stdout) as object), ['staticlet', 'kubernetes', 'cri']);
    await cp(join(REPO, 'manifests'), join(dir, 'manifests'), { recursive: true });
    const ok = await exec(bin, ['validate', 'manifests/'], dir);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const info = await exec(bin, ['runtime', 'info', '--container-runtime-endpoint', env.endpoint], dir);
    assert.equal(info.code, 0, info.stdout + info.stderr);
  });
});
