import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { logLinkName, logLinkOf, reconcileLogLinks } from '../../../src/pods/log-links.js';
import { containerAnnotations, containerLabels } from '../../../src/runtime/index.js';

function container(id: string, pod: string, name: string, restartCount: number, uid = 'u1') {
  return {
    id,
    labels: containerLabels({ name: pod, namespace: 'kube-system', uid }, name),
    annotations: containerAnnotations({ hash: 'h', restartCount }),
  };
}

describe('container log links', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stl-links-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("named like the kubelet's: <pod>_<namespace>_<container>-<id>.log, cut to 255 characters", () => {
    assert.equal(logLinkName('etcd-node-1', 'kube-system', 'etcd', 'abc'), 'etcd-node-1_kube-system_etcd-abc.log');
    const long = logLinkName('p'.repeat(200), 'ns', 'c', 'f'.repeat(64));
    assert.equal(long.length, 255);
    assert.ok(long.endsWith('.log'));
  });

  test('points at the CRI log file of the instance', () => {
    assert.deepEqual(logLinkOf(container('abc', 'etcd-node-1', 'etcd', 2), '/var/log/pods'), {
      name: 'etcd-node-1_kube-system_etcd-abc.log',
      target: '/var/log/pods/kube-system_etcd-node-1_u1/etcd/2.log',
    });
    assert.equal(logLinkOf({ id: 'x', labels: {}, annotations: {} }, '/var/log/pods'), undefined);
  });

  test('reconcile creates missing links, fixes wrong ones, removes ours that are stale and leaves others', async () => {
    const links = join(dir, 'containers');
    const logs = join(dir, 'pods');
    await mkdir(join(logs, 'kube-system_web_u1'), { recursive: true });
    await writeFile(join(logs, 'kube-system_web_u1', '.staticlet'), '');
    await mkdir(join(logs, 'kube-system_other_k1'), { recursive: true });
    await mkdir(links, { recursive: true });
    // A stale link of ours (container gone), one of a pruned pod, one of a kubelet pod, a wrong one.
    await symlink(join(logs, 'kube-system_web_u1/a/0.log'), join(links, 'web_kube-system_a-old.log'));
    await symlink(join(logs, 'kube-system_gone_g1/a/0.log'), join(links, 'gone_kube-system_a-g.log'));
    await symlink(join(logs, 'kube-system_other_k1/a/0.log'), join(links, 'other_kube-system_a-k.log'));
    await symlink('/elsewhere', join(links, 'web_kube-system_a-new.log'));
    const r = await reconcileLogLinks(links, logs, [container('new', 'web', 'a', 1), container('b1', 'web', 'b', 0)]);
    assert.deepEqual(r.removed.sort(), ['gone_kube-system_a-g.log', 'web_kube-system_a-old.log']);
    assert.deepEqual(r.created.sort(), ['web_kube-system_a-new.log', 'web_kube-system_b-b1.log']);
    assert.deepEqual((await readdir(links)).sort(), ['other_kube-system_a-k.log', 'web_kube-system_a-new.log', 'web_kube-system_b-b1.log']);
    assert.equal(await readlink(join(links, 'web_kube-system_a-new.log')), join(logs, 'kube-system_web_u1/a/1.log'));
    const again = await reconcileLogLinks(links, logs, [container('new', 'web', 'a', 1), container('b1', 'web', 'b', 0)]);
    assert.deepEqual(again, { created: [], removed: [] }, 'a second pass changes nothing');
  });
});
