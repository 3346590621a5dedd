// Standalone mode loads none of the control-plane code: without --kubeconfig only
// src/controlplane/index.js is resolved, and @kubernetes/client-node never is.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const CHILD = fileURLToPath(new URL('./standalone-child.js', import.meta.url));

interface ChildResult {
  created: boolean;
  view: { mode: string };
  urls: string[];
}

function runChild(args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CHILD, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout) as ChildResult);
    });
  });
}

const controlPlaneModules = (urls: string[]) => urls.filter((u) => u.includes('/src/controlplane/')).map((u) => u.slice(u.indexOf('/src/controlplane/') + 1));
const clientNode = (urls: string[]) => urls.filter((u) => u.includes('@kubernetes/client-node'));

test('without --kubeconfig only controlplane/index.js loads, and no API client', async () => {
  const r = await runChild([]);
  assert.equal(r.created, true, 'the supervisor got as far as creating its control plane');
  assert.equal(r.view.mode, 'standalone');
  assert.ok(r.urls.some((u) => u.endsWith('/src/supervisor/supervisor.js')), 'the hook saw the supervisor load');
  assert.deepEqual([...new Set(controlPlaneModules(r.urls))], ['src/controlplane/index.js']);
  assert.deepEqual(clientNode(r.urls), []);
});

test('with --kubeconfig the real control plane and client-node load (the check above can fail)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'staticlet-kc-'));
  try {
    const kc = join(dir, 'kubeconfig');
    // Nothing listens on port 1: registration retries until the supervisor stops.
    await writeFile(kc, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n');
    const r = await runChild([kc]);
    assert.equal(r.view.mode, 'api-server');
    assert.ok(controlPlaneModules(r.urls).includes('src/controlplane/controller.js'));
    assert.ok(clientNode(r.urls).length > 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
