import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { PodAdmitter, type AdmissionCandidate } from '../../../src/admission/index.js';

const node = { capacity: { cpu: 2000n, memory: 1n << 30n, pods: 3n }, allocatable: { cpu: 2000n, memory: 1n << 29n, pods: 3n } };

function cand(name: string, seen: number, opts: { cpu?: string; hostPort?: number } = {}): AdmissionCandidate {
  const pod: Pod = {
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      containers: [
        {
          name: 'c',
          ...(opts.cpu ? { resources: { requests: { cpu: opts.cpu } } } : {}),
          ...(opts.hostPort ? { ports: [{ containerPort: 80, hostPort: opts.hostPort }] } : {}),
        },
      ],
    },
  };
  return { uid: `uid-${name}`, pod, seenAt: new Date(1_700_000_000_000 + seen * 1000).toISOString() };
}

describe('PodAdmitter', () => {
  test('admits up to maxPods, then the next waits; a release wakes it and it fits', () => {
    const adm = new PodAdmitter({ node });
    const woken: string[][] = [];
    adm.onRoom((uids) => woken.push(uids));
    for (const n of ['a', 'b', 'c']) assert.deepEqual(adm.admit(cand(n, 1)), { admit: true });
    const v = adm.admit(cand('d', 2));
    assert.equal(v.admit, false);
    assert.equal(!v.admit && v.reason, 'OutOfpods');
    assert.deepEqual(adm.summary().waiting.map((w) => [w.name, w.reason]), [['d', 'OutOfpods']]);
    adm.release('uid-a');
    assert.deepEqual(woken, [['uid-d']]);
    assert.deepEqual(adm.admit(cand('d', 2)), { admit: true });
    assert.deepEqual(adm.summary().waiting, []);
    assert.equal(adm.summary().requested.pods, '3');
  });

  test('admitting again is idempotent; adopted pods count whatever they hold', () => {
    const adm = new PodAdmitter({ node });
    adm.adopt(cand('big', 0, { cpu: '3' }));
    assert.ok(adm.isAdmitted('uid-big'));
    assert.equal(adm.summary().requested.cpu, '3');
    const v = adm.admit(cand('small', 1, { cpu: '100m' }));
    assert.equal(!v.admit && v.reason, 'OutOfcpu');
    assert.equal(!v.admit && v.message, "Node didn't have enough resource: cpu, requested: 100, used: 3000, capacity: 2000");
    adm.release('uid-big');
    assert.deepEqual(adm.admit(cand('small', 1, { cpu: '100m' })), { admit: true });
    assert.deepEqual(adm.admit(cand('small', 1, { cpu: '100m' })), { admit: true });
    assert.equal(adm.summary().requested.pods, '1');
  });

  test('host port clash: the second waits with NodePorts until the first is released', () => {
    const adm = new PodAdmitter({ node });
    assert.ok(adm.admit(cand('one', 1, { hostPort: 8080 })).admit);
    const v = adm.admit(cand('two', 2, { hostPort: 8080 }));
    assert.equal(!v.admit && v.reason, 'NodePorts');
    adm.release('uid-one');
    assert.ok(adm.admit(cand('two', 2, { hostPort: 8080 })).admit);
  });

  test('an older waiting pod keeps its place: a younger one that would fit alone waits behind it', () => {
    const adm = new PodAdmitter({ node });
    assert.ok(adm.admit(cand('a', 0, { cpu: '1' })).admit);
    assert.ok(adm.admit(cand('b', 0, { cpu: '500m' })).admit);
    // old needs 1 cpu: only 500m are left.
    assert.equal(adm.admit(cand('old', 1, { cpu: '1' })).admit, false);
    adm.release('uid-a');
    // 1.5 cpu free: the young pod (1 cpu) would fit alone, but old asked first and is older.
    const young = adm.admit(cand('young', 2, { cpu: '1' }));
    assert.equal(!young.admit && young.reason, 'OutOfcpu');
    assert.ok(adm.admit(cand('old', 1, { cpu: '1' })).admit);
    assert.equal(adm.admit(cand('young', 2, { cpu: '1' })).admit, false);
  });

  test('desired pods that have not asked yet go first when older', () => {
    const desired = [cand('first', 1), cand('second', 2), cand('third', 3), cand('fourth', 4)];
    const adm = new PodAdmitter({ node, candidates: () => desired });
    // The youngest asks first: three older pods are still to come and fill the node.
    const v = adm.admit(desired[3]!);
    assert.equal(!v.admit && v.reason, 'OutOfpods');
    for (const c of desired.slice(0, 3)) assert.ok(adm.admit(c).admit, c.uid);
    assert.equal(adm.admit(desired[3]!).admit, false);
  });

  test('a pod that finished while desired frees its place and is not a candidate any more', () => {
    const desired = [cand('job', 1), cand('b', 2), cand('c', 3), cand('d', 4)];
    const adm = new PodAdmitter({ node, candidates: () => desired });
    for (const c of desired.slice(0, 3)) assert.ok(adm.admit(c).admit);
    assert.equal(adm.admit(desired[3]!).admit, false);
    adm.release('uid-job', true);
    assert.ok(adm.admit(desired[3]!).admit);
  });

  test('a waiting pod that cannot fit holds nothing: younger pods that fit are admitted', () => {
    const adm = new PodAdmitter({ node });
    assert.ok(adm.admit(cand('a', 0, { cpu: '1500m' })).admit);
    assert.equal(adm.admit(cand('big', 1, { cpu: '1' })).admit, false);
    assert.ok(adm.admit(cand('small', 2, { cpu: '400m' })).admit);
  });

  test('removing a waiting pod that kept a place wakes the younger ones', () => {
    const adm = new PodAdmitter({ node });
    assert.ok(adm.admit(cand('a', 0, { cpu: '1500m' })).admit);
    assert.equal(adm.admit(cand('old', 1, { cpu: '1' })).admit, false);
    adm.release('uid-a');
    assert.equal(adm.admit(cand('young', 2, { cpu: '1500m' })).admit, false, 'old goes first');
    const woken: string[][] = [];
    adm.onRoom((u) => woken.push(u));
    adm.release('uid-old');
    assert.deepEqual(woken, [['uid-young']]);
    assert.ok(adm.admit(cand('young', 2, { cpu: '1500m' })).admit);
  });
});
