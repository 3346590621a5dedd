import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { effectiveDnsPolicy, fitNameservers, fitSearches, parseResolvConf, podDnsConfig, readHostResolver } from '../../../src/pods/dns.js';
import { PodSandboxConfigError } from '../../../src/pods/hostname.js';
import { pod } from './fakes.js';

const host = parseResolvConf('# comment\nnameserver 192.168.1.1\nnameserver 192.168.1.2 ; trailing\nsearch lan example.org.\noptions edns0 ndots:2\n');
const cluster = { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local' };

function events(): { list: Array<[string, string]>; sink: (r: string, m: string) => void } {
  const list: Array<[string, string]> = [];
  return { list, sink: (r, m) => list.push([r, m]) };
}

describe('pod DNS (dnsPolicy rules)', () => {
  test('parses the host resolver file the kubelet way', () => {
    assert.deepEqual(host, { servers: ['192.168.1.1', '192.168.1.2'], searches: ['lan', 'example.org'], options: ['edns0', 'ndots:2'] });
    const r = parseResolvConf('domain corp\nsearch a b\nsearch c . d.\n;x\noptions ndots:1 rotate\noptions ndots:3\n');
    assert.deepEqual(r, { servers: [], searches: ['c', 'd'], options: ['ndots:3', 'rotate'] }, 'domain ignored, last search wins, options merged by name');
  });

  test('an unreadable resolvConf fails the sandbox; an empty one means none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stl-dns-'));
    try {
      await assert.rejects(readHostResolver(join(dir, 'missing')), PodSandboxConfigError);
      assert.deepEqual(await readHostResolver(''), { servers: [], searches: [], options: [] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('ClusterFirst without cluster DNS falls back to Default with a MissingClusterDNS event', () => {
    assert.equal(effectiveDnsPolicy(pod({}), { clusterDNS: [] }), 'Default');
    const e = events();
    assert.deepEqual(podDnsConfig(pod({}), { clusterDNS: [] }, host, e.sink), host);
    assert.equal(e.list[0]?.[0], 'MissingClusterDNS');
    assert.match(e.list[0]![1], /p-node_default\(uid-1\).*cannot create Pod using "ClusterFirst" policy\. Falling back to "Default" policy/);
    const quiet = events();
    podDnsConfig(pod({ dnsPolicy: 'Default' }), { clusterDNS: [] }, host, quiet.sink);
    assert.deepEqual(quiet.list, []);
  });

  test('ClusterFirst with cluster DNS: cluster servers, cluster search path before the host one, only ndots:5', () => {
    const cfg = podDnsConfig(pod({}), cluster, parseResolvConf('nameserver 1.1.1.1\nsearch lan cluster.local\noptions edns0\n'));
    assert.deepEqual(cfg, {
      servers: ['10.96.0.10'],
      searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'lan'],
      options: ['ndots:5'],
    });
    const noDomain = podDnsConfig(pod({}), { clusterDNS: ['10.96.0.10'] }, host);
    assert.deepEqual(noDomain.searches, ['lan', 'example.org'], 'without a cluster domain only the host search path');
  });

  test('host-network pods use the host resolver under ClusterFirst, the cluster one under ClusterFirstWithHostNet', () => {
    assert.equal(effectiveDnsPolicy(pod({ hostNetwork: true }), cluster), 'Default');
    assert.equal(effectiveDnsPolicy(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), cluster), 'ClusterFirst');
    assert.equal(effectiveDnsPolicy(pod({ dnsPolicy: 'ClusterFirstWithHostNet' }), { clusterDNS: [] }), 'Default');
  });

  test('Default with resolvConf "" points at the node itself', () => {
    assert.deepEqual(podDnsConfig(pod({ dnsPolicy: 'Default' }), { clusterDNS: [], resolvConf: '', hostIP: '10.0.0.1' }, host), { servers: ['127.0.0.1'], searches: ['.'], options: [] });
    assert.deepEqual(podDnsConfig(pod({ dnsPolicy: 'Default' }), { clusterDNS: [], resolvConf: '', hostIP: 'fd00::1' }, host).servers, ['::1']);
  });

  test('None uses dnsConfig only; dnsConfig merges into the others with options overriding by name', () => {
    const none = podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.b'], options: [{ name: 'ndots', value: '1' }] } }), cluster, host);
    assert.deepEqual(none, { servers: ['1.1.1.1'], searches: ['a.b'], options: ['ndots:1'] });
    const merged = podDnsConfig(
      pod({ dnsPolicy: 'Default', dnsConfig: { nameservers: ['192.168.1.1', '9.9.9.9'], options: [{ name: 'ndots', value: '3' }, { name: 'rotate' }, { name: 'edns0', value: '' }] } }),
      { clusterDNS: [] },
      host,
    );
    assert.deepEqual(merged, { servers: ['192.168.1.1', '192.168.1.2', '9.9.9.9'], searches: ['lan', 'example.org'], options: ['edns0', 'ndots:3', 'rotate'] });
  });

  test('more than 3 nameservers are cut with a DNSConfigForming event', () => {
    const e = events();
    assert.deepEqual(fitNameservers(['1', '2', '3', '4'], e.sink), ['1', '2', '3']);
    assert.deepEqual(e.list, [['DNSConfigForming', 'Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 1 2 3']]);
    const cfg = podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '1.0.0.1', '8.8.8.8', '8.8.4.4'] } }), cluster, host);
    assert.equal(cfg.servers?.length, 3);
  });

  test('search paths: at most 32, none over 253 characters, a line of at most 2048', () => {
    const e = events();
    const many = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
    assert.deepEqual(fitSearches(many, e.sink), many.slice(0, 32));
    assert.match(e.list[0]![1], /^Search Line limits were exceeded, some search paths have been omitted, the applied search line is: d0\.example d1\.example/);
    assert.deepEqual(fitSearches(['ok', 'x'.repeat(254), 'fine']), ['ok', 'fine']);
    const long = Array.from({ length: 10 }, (_, i) => `${String(i)}${'y'.repeat(249)}`);
    const kept = fitSearches(long);
    assert.equal(kept.length, 8, '8 x 250 + 7 spaces fit in 2048, 9 do not');
    const ok = events();
    fitSearches(['a', 'b'], ok.sink);
    assert.deepEqual(ok.list, []);
  });
});
