import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { podHostname, podHostnameAndDomain, PodSandboxConfigError, truncateHostname } from '../../../src/pods/hostname.js';
import { pod } from './fakes.js';

describe('pod hostname and domain', () => {
  test('the pod name, or spec.hostname', () => {
    assert.deepEqual(podHostnameAndDomain(pod({})), { hostname: 'p-node', domain: '' });
    assert.deepEqual(podHostnameAndDomain(pod({ hostname: 'web' })), { hostname: 'web', domain: '' });
  });

  test('names over 63 characters are cut, never ending in - or .', () => {
    assert.equal(truncateHostname('p', 'a'.repeat(63)), 'a'.repeat(63));
    assert.equal(truncateHostname('p', `${'a'.repeat(61)}-.-bbb`), 'a'.repeat(61));
    assert.equal(podHostname({ metadata: { name: `${'a'.repeat(62)}-node` } }), 'a'.repeat(62));
    assert.throws(() => truncateHostname('p', '-'.repeat(70)), PodSandboxConfigError);
  });

  test('subdomain gives <subdomain>.<namespace>.svc.<clusterDomain>', () => {
    const p = pod({ hostname: 'db-0', subdomain: 'db' });
    assert.deepEqual(podHostnameAndDomain(p, 'cluster.local'), { hostname: 'db-0', domain: 'db.default.svc.cluster.local' });
    assert.equal(podHostname(p, { clusterDomain: 'cluster.local' }), 'db-0', 'without setHostnameAsFQDN the kernel gets the short name');
    assert.equal(podHostname({ ...p, spec: { ...p.spec!, setHostnameAsFQDN: true } }, { clusterDomain: 'cluster.local' }), 'db-0.db.default.svc.cluster.local');
  });

  test('setHostnameAsFQDN without a subdomain keeps the short name', () => {
    assert.equal(podHostname(pod({ hostname: 'x', setHostnameAsFQDN: true }), { clusterDomain: 'cluster.local' }), 'x');
  });

  test('an FQDN over 64 characters fails the sandbox with the lengths in the message', () => {
    const p = pod({ hostname: 'h'.repeat(40), subdomain: 's'.repeat(10), setHostnameAsFQDN: true });
    assert.throws(() => podHostname(p, { clusterDomain: 'cluster.local' }), (err: Error) => {
      assert.ok(err instanceof PodSandboxConfigError);
      assert.match(err.message, /FQDN h{40}\.s{10}\.default\.svc\.cluster\.local is too long \(64 characters is the max, 77 characters requested\)/);
      return true;
    });
  });

  test('hostname and subdomain must be DNS labels', () => {
    assert.throws(() => podHostnameAndDomain(pod({ hostname: 'Bad_Name' })), /pod Hostname "Bad_Name" is not a valid DNS label/);
    assert.throws(() => podHostnameAndDomain(pod({ subdomain: 'a.b' })), /pod Subdomain "a.b" is not a valid DNS label/);
  });
});
