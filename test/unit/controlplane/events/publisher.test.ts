import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventPublisher } from '../../../../src/controlplane/events/publisher.js';
import type { CoreEvent } from '../../../../src/controlplane/events/types.js';
import type { EventWriter } from '../../../../src/controlplane/events/writer.js';
import { silentLogger } from '../../../../src/logging/logger.js';
import type { NodeJson } from '../../../../src/node/node-object.js';

const node = (ready: string, bootID: string): NodeJson => ({
  metadata: { name: 'edge-1' },
  status: {
    conditions: [
      { type: 'MemoryPressure', status: 'False' },
      { type: 'DiskPressure', status: 'False' },
      { type: 'PIDPressure', status: 'False' },
      { type: 'Ready', status: ready },
    ] as NonNullable<NodeJson['status']>['conditions'],
    nodeInfo: { bootID },
  },
});

async function drain(p: EventPublisher): Promise<CoreEvent[]> {
  const out: CoreEvent[] = [];
  const writer: EventWriter = { create: async (e) => void out.push(e), patch: async () => undefined };
  const stop = new AbortController();
  const run = p.sink.run(writer, stop.signal);
  await new Promise((r) => setTimeout(r, 10));
  stop.abort();
  await run;
  return out;
}

describe('EventPublisher', () => {
  test('node events: Starting, conditions at registration, NodeReady and Rebooted from status writes; the kubelet nodeRef', async () => {
    const p = new EventPublisher({ nodeName: 'edge-1', logger: silentLogger() });
    p.starting();
    p.registered(node('False', 'boot-2'));
    p.statusWritten(node('False', 'boot-1'), node('True', 'boot-2'));
    p.statusWritten(node('True', 'boot-2'), node('True', 'boot-2'));
    const sent = await drain(p);
    assert.deepEqual(
      sent.map((e) => e.reason),
      ['Starting', 'NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID', 'NodeNotReady', 'Rebooted', 'NodeReady'],
    );
    for (const e of sent) {
      assert.deepEqual(e.involvedObject, { kind: 'Node', apiVersion: 'v1', namespace: '', name: 'edge-1', uid: 'edge-1' });
      assert.equal(e.metadata.namespace, 'default');
      assert.deepEqual(e.source, { component: 'kubelet', host: 'edge-1' });
      assert.match(e.metadata.name, /^edge-1\.[0-9a-f]+$/);
    }
    assert.equal(sent[0]!.message, 'Starting staticlet.');
    assert.equal(sent.find((e) => e.reason === 'Rebooted')?.type, 'Warning');
  });

  test('pod events keep the static pod reference and field path', async () => {
    const p = new EventPublisher({ nodeName: 'edge-1', logger: silentLogger() });
    p.pod({ namespace: 'kube-system', name: 'etcd-edge-1', uid: 'hash-1', fieldPath: 'spec.containers{etcd}' }, 'Normal', 'Started', 'Started container etcd');
    const [e] = await drain(p);
    assert.equal(e?.metadata.namespace, 'kube-system');
    assert.deepEqual(e?.involvedObject, { kind: 'Pod', apiVersion: 'v1', namespace: 'kube-system', name: 'etcd-edge-1', uid: 'hash-1', fieldPath: 'spec.containers{etcd}' });
    assert.deepEqual([e?.reportingComponent, e?.reportingInstance], ['kubelet', 'edge-1']);
  });
});
