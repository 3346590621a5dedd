import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { ManifestLoader, formatManifestError } from '../../../src/config/manifest.js';
import { condition, cs, NODE, withSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

/** test/fixtures/controlplane of the checkout, found from the compiled test wherever it is built. */
function fixturesDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'test/fixtures/controlplane');
    if (existsSync(join(candidate, 'etcd.yaml'))) return candidate;
    if (dirname(dir) === dir) throw new Error('cannot find test/fixtures/controlplane');
  }
}

const FIXTURES = fixturesDir();
const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-scheduler'] as const;
const PLACEHOLDER = /\/STATICLET_TEST_ROOT/g;

/** A fixture with its host paths moved under `root`. */
async function fixture(name: string, root: string): Promise<string> {
  return (await readFile(join(FIXTURES, `${name}.yaml`), 'utf8')).replace(PLACEHOLDER, root);
}

describe('realistic control plane: kubeadm-shaped etcd, kube-apiserver and kube-scheduler', () => {
  let h: SupervisorHarness;
  let hostRoot: string;
  withSupervisor({ crashBackoffBaseMs: 1_000 }, async (x) => {
    h = x;
    hostRoot = join(h.dir, 'host');
  });

  test('the manifests pass validation', async () => {
    const loader = new ManifestLoader({ nodeName: NODE });
    for (const name of COMPONENTS) {
      const result = loader.load({ kind: 'file', location: `${name}.yaml` }, Buffer.from(await fixture(name, hostRoot)));
      assert.ok(result.ok, `${name}: ${result.ok ? '' : result.errors.map(formatManifestError).join('; ')}`);
      assert.equal(result.pods[0]?.fullName, `kube-system/${name}-${NODE}`);
    }
  });

  test('all three run and become Ready', async () => {
    for (const name of COMPONENTS) await h.write(`${name}.yaml`, await fixture(name, hostRoot));
    for (const name of COMPONENTS) {
      const p = await h.waitPod(name, (x) => x.status?.phase === 'Running' && condition(x, 'Ready') === 'True', 90_000, 'kube-system').catch((err: Error) => {
        const now = h.pod(name, 'kube-system');
        throw new Error(`${err.message}; last status: ${JSON.stringify(now?.status)}; events: ${JSON.stringify(h.sup.events(now?.metadata?.uid ?? '').map((e) => `${e.reason}: ${e.message}`))}`);
      });
      const c = cs(p, name)!;
      assert.equal(c.ready, true, name);
      assert.equal(c.started, true, name);
      assert.equal(c.restartCount, 0, `${name} was not restarted by its probes`);
      assert.equal(p.status?.podIP, '127.0.0.1', 'host network: the pod IP is the node IP');
    }
  });

  test('from inside: host paths, host network, downward env', async () => {
    // DirectoryOrCreate and FileOrCreate created the host side; etcd writes its data there.
    assert.equal(await h.exec('etcd', 'etcd', ['cat', '/var/lib/etcd/www/health'], 'kube-system'), 'ok\n');
    assert.equal(await readFile(join(hostRoot, 'var/lib/etcd/www/health'), 'utf8'), 'ok\n');
    assert.ok((await stat(join(hostRoot, 'etc/kubernetes/pki/etcd'))).isDirectory());
    assert.ok((await stat(join(hostRoot, 'etc/kubernetes/scheduler.conf'))).isFile());
    assert.ok((await stat(join(hostRoot, 'usr/share/ca-certificates'))).isDirectory());
    // readOnly hostPath mounts refuse writes.
    await assert.rejects(h.exec('kube-apiserver', 'kube-apiserver', ['touch', '/etc/kubernetes/pki/x'], 'kube-system'));
    // Host network: every component sees the others on the node's loopback.
    const health = await h.exec('kube-scheduler', 'kube-scheduler', ['wget', '-q', '-O', '-', 'http://127.0.0.1:16443/livez'], 'kube-system');
    assert.equal(health, 'ok\n');
    const env = await h.exec('kube-apiserver', 'kube-apiserver', ['env'], 'kube-system');
    assert.match(env, /^HOST_IP=127\.0\.0\.1$/m);
  });

  test('admission counted their cpu requests', () => {
    const node = h.sup.node();
    assert.ok(node, 'node summary available');
    assert.equal(node.requested.cpu, '450m');
    assert.equal(node.requested.pods, '3');
    assert.deepEqual(node.waiting, []);
  });
});
