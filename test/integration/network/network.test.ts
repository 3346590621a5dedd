import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { eventually } from '../../helpers/manifests.js';
import { BUSYBOX, manifest, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

const SLEEP = `image: ${BUSYBOX}, command: [sleep, "3600"]`;
const running = (p: { status?: { phase?: string } }): boolean => p.status?.phase === 'Running';

/** Reads /etc/resolv.conf into its lines, ignoring comments and blank lines. */
function resolvLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim().replace(/\s+/g, ' '))
    .filter((l) => l && !l.startsWith('#'));
}

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 3_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('networking and DNS against containerd', () => {
  let env: ContainerdEnv;
  let h: SupervisorHarness;
  before(async () => {
    env = await startContainerd();
    const resolvConf = join(env.dir, 'node-resolv.conf');
    await writeFile(resolvConf, '# node resolver\nnameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch lan.example corp.example\noptions edns0 timeout:2\n');
    const ownHosts = join(env.dir, 'own-hosts');
    await writeFile(ownHosts, '10.0.0.1\tmine\n');
    h = await startSupervisor(env, { crashBackoffBaseMs: 1_000, settings: { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', resolvConf } });
    const pods: Array<[string, string]> = [
      [
        'cf',
        [
          '  hostname: web',
          '  subdomain: sub',
          '  setHostnameAsFQDN: true',
          '  hostAliases:',
          '  - {ip: 10.1.2.3, hostnames: [foo.remote, bar.remote]}',
          '  - {ip: 127.0.0.1, hostnames: [foo.local]}',
          `  containers: [{name: c, ${SLEEP}}]`,
          '',
        ].join('\n'),
      ],
      ['short', `  hostname: plain\n  subdomain: sub\n  containers: [{name: c, ${SLEEP}}]\n`],
      ['def', `  dnsPolicy: Default\n  containers: [{name: c, ${SLEEP}}]\n`],
      [
        'none',
        `  dnsPolicy: None\n  dnsConfig: {nameservers: [1.1.1.1], searches: [my.example], options: [{name: ndots, value: "2"}, {name: rotate}]}\n  containers: [{name: c, ${SLEEP}}]\n`,
      ],
      ['merged', `  dnsConfig: {nameservers: [9.9.9.9], searches: [extra.example], options: [{name: ndots, value: "1"}]}\n  containers: [{name: c, ${SLEEP}}]\n`],
      ['hn', `  hostNetwork: true\n  hostAliases: [{ip: 10.9.9.9, hostnames: [alias.hostnet]}]\n  containers: [{name: c, ${SLEEP}}]\n`],
      ['hnc', `  hostNetwork: true\n  dnsPolicy: ClusterFirstWithHostNet\n  containers: [{name: c, ${SLEEP}}]\n`],
      [
        'own-hosts',
        `  hostAliases: [{ip: 10.7.7.7, hostnames: [never.seen]}]\n  containers: [{name: c, ${SLEEP}, volumeMounts: [{name: h, mountPath: /etc/hosts}]}]\n  volumes: [{name: h, hostPath: {path: ${ownHosts}, type: File}}]\n`,
      ],
    ];
    for (const [name, spec] of pods) await h.write(`${name}.yaml`, manifest(name, `  terminationGracePeriodSeconds: 1\n${spec}`));
  });
  after(async () => {
    await h?.stop();
    await env?.down();
  });

  test('ClusterFirst: cluster nameserver, the namespace search path before the node one, ndots:5', async () => {
    await h.waitPod('cf', running, 30_000);
    const lines = resolvLines(await h.exec('cf', 'c', ['cat', '/etc/resolv.conf']));
    assert.deepEqual(lines.sort(), ['nameserver 10.96.0.10', 'options ndots:5', 'search default.svc.cluster.local svc.cluster.local cluster.local lan.example corp.example'].sort());
  });

  test('Default copies the resolvConf file; None takes dnsConfig only; dnsConfig merges into ClusterFirst', async () => {
    await h.waitPod('def', running, 30_000);
    const def = resolvLines(await h.exec('def', 'c', ['cat', '/etc/resolv.conf']));
    assert.deepEqual(def.sort(), ['nameserver 192.0.2.53', 'nameserver 192.0.2.54', 'options edns0 timeout:2', 'search lan.example corp.example'].sort());
    await h.waitPod('none', running, 30_000);
    const none = resolvLines(await h.exec('none', 'c', ['cat', '/etc/resolv.conf']));
    assert.deepEqual(none.sort(), ['nameserver 1.1.1.1', 'options ndots:2 rotate', 'search my.example'].sort());
    await h.waitPod('merged', running, 30_000);
    const merged = resolvLines(await h.exec('merged', 'c', ['cat', '/etc/resolv.conf']));
    assert.deepEqual(
      merged.sort(),
      ['nameserver 10.96.0.10', 'nameserver 9.9.9.9', 'options ndots:1', 'search default.svc.cluster.local svc.cluster.local cluster.local lan.example corp.example extra.example'].sort(),
    );
  });

  test('host network: ClusterFirst means the node resolver, ClusterFirstWithHostNet the cluster one', async () => {
    await h.waitPod('hn', running, 30_000);
    const hn = resolvLines(await h.exec('hn', 'c', ['cat', '/etc/resolv.conf']));
    assert.ok(hn.includes('nameserver 192.0.2.53'), hn.join('\n'));
    assert.ok(!hn.some((l) => l.includes('10.96.0.10')));
    await h.waitPod('hnc', running, 30_000);
    const hnc = resolvLines(await h.exec('hnc', 'c', ['cat', '/etc/resolv.conf']));
    assert.ok(hnc.includes('nameserver 10.96.0.10'), hnc.join('\n'));
    assert.ok(hnc.includes('options ndots:5'));
  });

  test('hostname, subdomain and setHostnameAsFQDN; /etc/hosts names the pod and carries hostAliases', async () => {
    const cf = await h.waitPod('cf', running, 30_000);
    assert.equal((await h.exec('cf', 'c', ['hostname'])).trim(), 'web.sub.default.svc.cluster.local');
    const hosts = await h.exec('cf', 'c', ['cat', '/etc/hosts']);
    assert.match(hosts, /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n/);
    assert.ok(hosts.includes(`${cf.status!.podIP!}\tweb.sub.default.svc.cluster.local\tweb\n`), hosts);
    assert.ok(hosts.endsWith('\n# Entries added by HostAliases.\n10.1.2.3\tfoo.remote\tbar.remote\n127.0.0.1\tfoo.local\n'), hosts);
    const onDisk = await readFile(join(h.settings.rootDir, 'pods', cf.metadata!.uid!, 'etc-hosts'), 'utf8');
    assert.equal(onDisk, hosts);

    await h.waitPod('short', running, 30_000);
    assert.equal((await h.exec('short', 'c', ['hostname'])).trim(), 'plain', 'without setHostnameAsFQDN the short name');
  });

  test("host-network pods keep the node's hostname; their /etc/hosts is the node's plus hostAliases", async () => {
    await h.waitPod('hn', running, 30_000);
    assert.equal((await h.exec('hn', 'c', ['hostname'])).trim(), hostname());
    const hosts = await h.exec('hn', 'c', ['cat', '/etc/hosts']);
    const node = await readFile('/etc/hosts', 'utf8');
    assert.equal(hosts, `# Kubernetes-managed hosts file (host network).\n${node}\n# Entries added by HostAliases.\n10.9.9.9\talias.hostnet\n`);
  });

  test('a container that mounts /etc/hosts itself keeps its own file', async () => {
    await h.waitPod('own-hosts', running, 30_000);
    assert.equal(await h.exec('own-hosts', 'c', ['cat', '/etc/hosts']), '10.0.0.1\tmine\n');
  });

  test('an FQDN longer than 64 characters fails the sandbox with the reason in an event', async () => {
    await h.write('long.yaml', manifest('long', `  hostname: ${'h'.repeat(40)}\n  subdomain: ${'s'.repeat(20)}\n  setHostnameAsFQDN: true\n  containers: [{name: c, ${SLEEP}}]\n`));
    const p = await h.waitPod('long', (x) => Boolean(x.metadata?.uid));
    const ev = await eventually(() => h.sup.events(p.metadata!.uid!).find((e) => e.reason === 'FailedCreatePodSandBox'), { timeoutMs: 15_000, what: 'FailedCreatePodSandBox event' });
    assert.match(ev.message, /FQDN h{40}\.s{20}\.default\.svc\.cluster\.local is too long \(64 characters is the max, 87 characters requested\)/);
    assert.equal(h.pod('long')?.status?.phase, 'Pending');
    assert.equal((await h.objects(p.metadata!.uid!)).sandboxes.length, 0);
    await h.remove('long.yaml');
  });

  // hostPort needs the CNI portmap plugin in the runtime's network config.
  test('a hostPort forwards to the container port', async () => {
    const conflist = await readFile(join(env.dir, 'cni/net.d/10-staticlet.conflist'), 'utf8');
    assert.ok(conflist.includes('"portmap"'), 'the test CNI config has the portmap plugin (scripts/containerd/config.sh)');
    const port = 20_000 + (process.pid % 10_000);
    await h.write(
      'web.yaml',
      manifest('web', `  containers:\n  - name: c\n    image: ${BUSYBOX}\n    command: [sh, -c, "mkdir -p /www && echo served > /www/index.html && exec httpd -f -p 8080 -h /www"]\n    ports: [{containerPort: 8080, hostPort: ${port}}]\n`),
    );
    const p = await h.waitPod('web', running, 30_000);
    // The pod itself serves: the failure below is then the port mapping's.
    assert.equal((await h.exec('web', 'c', ['wget', '-qO-', 'http://127.0.0.1:8080/'])).trim(), 'served');
    assert.ok(p.status?.podIP);
    const body = await eventually(() => httpGet(port).catch(() => ''), { timeoutMs: 10_000, intervalMs: 200, what: `http://127.0.0.1:${port}/ through the hostPort` });
    assert.equal(body.trim(), 'served');
    await h.remove('web.yaml');
  });
});
