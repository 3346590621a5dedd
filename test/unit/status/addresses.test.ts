import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computePodStatus } from '../../../src/status/index.js';
import { HOST_IP, inst, iso, obs, pod, sandbox, sec } from './fakes.js';

describe('addresses and start time', () => {
  it('host-network pods use the node address as pod address', () => {
    const s = computePodStatus(obs(pod({ hostNetwork: true }), [inst('app').running(2)], { sandbox: sandbox({ ip: '', namespaceOptions: { network: 'NODE' } }) }));
    assert.equal(s.hostIP, HOST_IP);
    assert.deepEqual(s.hostIPs, [{ ip: HOST_IP }]);
    assert.equal(s.podIP, HOST_IP);
    assert.deepEqual(s.podIPs, [{ ip: HOST_IP }]);
  });

  it('host-network pods have their address even before a sandbox exists', () => {
    const s = computePodStatus(obs(pod({ hostNetwork: true }), [], { sandbox: undefined }));
    assert.equal(s.podIP, HOST_IP);
  });

  it('pod-network pods use the sandbox address', () => {
    const s = computePodStatus(obs(pod(), [inst('app').running(2)]));
    assert.equal(s.hostIP, HOST_IP);
    assert.equal(s.podIP, '10.88.0.5');
    assert.deepEqual(s.podIPs, [{ ip: '10.88.0.5' }]);
  });

  it('dual-stack: one address per family, the node family first, IPv6 canonical', () => {
    const sb = sandbox({ ip: 'FD00:0:0:0:0:0:0:5', additionalIps: ['10.88.0.5', '10.88.0.6', 'fd00::6'] });
    const s = computePodStatus(obs(pod(), [], { sandbox: sb }));
    assert.deepEqual(s.podIPs, [{ ip: '10.88.0.5' }, { ip: 'fd00::5' }]);
    assert.equal(s.podIP, '10.88.0.5');
    const v6node = computePodStatus(obs(pod(), [], { sandbox: sb, hostIP: '2001:db8::1' }));
    assert.deepEqual(v6node.podIPs, [{ ip: 'fd00::5' }, { ip: '10.88.0.5' }]);
  });

  it('no pod address while the sandbox is not ready', () => {
    const s = computePodStatus(obs(pod(), [], { sandbox: sandbox({ state: 'notready' }) }));
    assert.equal(s.podIP, undefined);
    assert.equal(s.podIPs, undefined);
    assert.equal(s.hostIP, HOST_IP);
  });

  it('startTime comes from the observation, and once published never moves', () => {
    const first = computePodStatus(obs(pod(), [], { startTime: sec(7) + 500 }));
    assert.equal(first.startTime, iso(7));
    const later = computePodStatus(obs(pod(), [], { startTime: sec(50), previous: first }));
    assert.equal(later.startTime, iso(7));
    const noStart = computePodStatus(obs(pod(), [], { startTime: undefined, now: sec(9) }));
    assert.equal(noStart.startTime, iso(9));
  });
});
