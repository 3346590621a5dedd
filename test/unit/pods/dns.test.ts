import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { effectiveDnsPolicy, parseResolvConf, podDnsConfig } from '../../../src/pods/dns.js';
import { pod } from './fakes.js';

const host = parseResolvConf('# comment\nnameserver 192.168.1.1\nnameserver 192.168.1.2 ; trailing\nsearch lan example.org\noptions edns0 ndots:2\n');

describe('pod DNS (dnsPolicy rules)', () => {
  test('parses the host resolver file', () => {
    assert.deepEqual(host, { servers: ['192.168.1.1', '192.168.1.2'], searches: ['lan', 'example.org'], options: ['edns0', 'ndots:2'] });
  });

  test('ClusterFirst without cluster DNS falls back to Default, as the kubelet does', () => {
    assert.equal(effectiveDnsPolicy(pod({}), { clusterDNS: [] }), 'Default');
    assert.deepEqual(podDnsConfig(pod({}), { clusterDNS: [] }, host), host);
  });

  test('ClusterFirst with cluster DNS: cluster servers, namespace search path, ndots:5', () => {
    const cfg = podDnsConfig(pod({}), { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local' }, host);
    assert.deepEqual(cfg, {
      servers: ['10.96.0.10'],
      searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'lan', 'example.org'],
      options: ['ndots:5'],
    });
  });

  test('host-network pods use the host resolver under ClusterFirst, the cluster one under ClusterFirstWithHostNet', () => {
    const node = { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local' };
    assert.equal(effectiveDnsPolicy(pod({ hostNetwork: true }), node), 'Default');
    assert.equal(effectiveDnsPolicy(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), node), 'ClusterFirst');
  });

  test('None uses dnsConfig only; dnsConfig merges into the others with options overriding by name', () => {
    const none = podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.b'], options: [{ name: 'ndots', value: '1' }] } }), { clusterDNS: [] }, host);
    assert.deepEqual(none, { servers: ['1.1.1.1'], searches: ['a.b'], options: ['ndots:1'] });
    const merged = podDnsConfig(pod({ dnsPolicy: 'Default', dnsConfig: { nameservers: ['192.168.1.1', '9.9.9.9'], options: [{ name: 'ndots', value: '3' }, { name: 'rotate' }] } }), { clusterDNS: [] }, host);
    assert.deepEqual(merged, { servers: ['192.168.1.1', '192.168.1.2', '9.9.9.9'], searches: ['lan', 'example.org'], options: ['edns0', 'ndots:3', 'rotate'] });
  });
});
