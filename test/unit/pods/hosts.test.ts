import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hostAliasesSection, hostNetworkHostsContent, podManagedMounts, podNetworkHostsContent } from '../../../src/pods/hosts.js';
import { ContainerConfigError } from '../../../src/pods/container-config.js';
import type { NodeContext } from '../../../src/node/context.js';
import { pod } from './fakes.js';

const LOCAL = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'fe00::0\tip6-mcastprefix',
  'fe00::1\tip6-allnodes',
  'fe00::2\tip6-allrouters',
].join('\n');

describe('managed /etc/hosts', () => {
  test('pod network: header, localhost lines, the pod IPs with its names', () => {
    assert.equal(podNetworkHostsContent(['10.1.0.5'], 'web', ''), `# Kubernetes-managed hosts file.\n${LOCAL}\n10.1.0.5\tweb\n`);
    assert.equal(
      podNetworkHostsContent(['10.1.0.5', 'fd00::5'], 'db-0', 'db.ns.svc.cluster.local'),
      `# Kubernetes-managed hosts file.\n${LOCAL}\n10.1.0.5\tdb-0.db.ns.svc.cluster.local\tdb-0\nfd00::5\tdb-0.db.ns.svc.cluster.local\tdb-0\n`,
    );
  });

  test('hostAliases: one line per IP, hostnames tab-separated, after a marker', () => {
    const aliases = [
      { ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] },
      { ip: '10.1.2.3', hostnames: ['foo.remote'] },
    ];
    assert.equal(hostAliasesSection(aliases), '\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n10.1.2.3\tfoo.remote\n');
    assert.equal(hostAliasesSection([]), '');
    assert.ok(podNetworkHostsContent(['10.1.0.5'], 'web', '', aliases).endsWith(`10.1.0.5\tweb\n${hostAliasesSection(aliases)}`));
  });

  test("host network: the node's file under its own header, then the aliases", () => {
    const node = '127.0.0.1 localhost\n192.168.1.10 node-1\n';
    assert.equal(hostNetworkHostsContent(node), `# Kubernetes-managed hosts file (host network).\n${node}`);
    assert.equal(hostNetworkHostsContent(node, [{ ip: '1.2.3.4', hostnames: ['x'] }]), `# Kubernetes-managed hosts file (host network).\n${node}\n# Entries added by HostAliases.\n1.2.3.4\tx\n`);
  });

  describe('the file in the pod directory', () => {
    let dir: string;
    let node: NodeContext;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'stl-hosts-'));
      node = { nodeName: 'n', hostIP: '192.168.1.10', rootDir: dir, podLogsDir: join(dir, 'logs'), clusterDNS: [], resolvConf: '', runtimeName: 'containerd' };
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    test('is written under <rootDir>/pods/<uid>/etc-hosts and mounted on /etc/hosts', async () => {
      const mounts = await podManagedMounts(pod({ hostAliases: [{ ip: '1.2.3.4', hostnames: ['a'] }] }), node, ['10.0.0.2']);
      const path = join(dir, 'pods', 'uid-1', 'etc-hosts');
      assert.deepEqual(mounts, [{ containerPath: '/etc/hosts', hostPath: path, readonly: false }]);
      assert.match(await readFile(path, 'utf8'), /^10\.0\.0\.2\tp-node\n\n# Entries added by HostAliases\.\n1\.2\.3\.4\ta\n/m);
    });

    test('is rewritten only when its content changes', async () => {
      const path = join(dir, 'pods', 'uid-1', 'etc-hosts');
      await podManagedMounts(pod({}), node, ['10.0.0.2']);
      const before = (await stat(path)).mtimeMs;
      await new Promise((r) => setTimeout(r, 20));
      await podManagedMounts(pod({}), node, ['10.0.0.2']);
      assert.equal((await stat(path)).mtimeMs, before);
      await podManagedMounts(pod({}), node, ['10.0.0.3']);
      assert.match(await readFile(path, 'utf8'), /10\.0\.0\.3\tp-node/);
    });

    test('a container that grew the file to 500 MB does not make the supervisor read it whole', async () => {
      const path = join(dir, 'pods', 'uid-1', 'etc-hosts');
      await podManagedMounts(pod({}), node, ['10.0.0.2']);
      const fh = await open(path, 'r+');
      await fh.truncate(500 << 20); // what `dd` from inside the container would leave
      await fh.close();
      // Buffers, strings (a utf8 readFile decodes chunk by chunk onto the heap) and the process.
      const usage = (): number[] => {
        const m = process.memoryUsage();
        return [m.arrayBuffers, m.heapUsed, m.rss];
      };
      const base = usage();
      let peak = 0;
      const measure = (): void => void usage().forEach((v, i) => (peak = Math.max(peak, v - base[i]!)));
      const sample = setInterval(measure, 1);
      try {
        await podManagedMounts(pod({}), node, ['10.0.0.2']);
      } finally {
        clearInterval(sample);
      }
      measure();
      assert.ok(peak < 64 << 20, `memory grew by ${peak} bytes`);
      assert.match(await readFile(path, 'utf8'), /^10\.0\.0\.2\tp-node$/m, 'and the file is put right');
      assert.ok((await stat(path)).size < 4096);
    });

    test("host-network pods copy the node's file; a pod-network pod without IP gets none", async () => {
      const nodeHosts = join(dir, 'node-hosts');
      await writeFile(nodeHosts, '127.0.0.1 localhost\n');
      const [m] = await podManagedMounts(pod({ hostNetwork: true, hostAliases: [{ ip: '5.6.7.8', hostnames: ['h'] }] }), node, ['192.168.1.10'], nodeHosts);
      assert.equal(await readFile(m!.hostPath, 'utf8'), '# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n\n# Entries added by HostAliases.\n5.6.7.8\th\n');
      assert.deepEqual(await podManagedMounts(pod({}), node, []), []);
      await assert.rejects(podManagedMounts(pod({ hostNetwork: true }), node, ['x'], join(dir, 'missing')), ContainerConfigError);
    });
  });
});
