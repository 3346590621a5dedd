import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUSYBOX, manifest, withSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

const ref = (name: string, path: string) => `    - {name: ${name}, valueFrom: {fieldRef: {fieldPath: "${path}"}}}`;
const res = (name: string, resource: string, divisor?: string) =>
  `    - {name: ${name}, valueFrom: {resourceFieldRef: {resource: ${resource}${divisor ? `, divisor: ${divisor}` : ''}}}}`;

function envMap(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

describe('environment and resources against containerd', () => {
  let h: SupervisorHarness;
  withSupervisor({ crashBackoffBaseMs: 1_000 }, (x) => {
    h = x;
  });

  test('fieldRef, resourceFieldRef and $(VAR) expansion, read with env in the container', async () => {
    await h.write('envp.yaml', manifest('envp', [
      '  terminationGracePeriodSeconds: 0',
      '  containers:',
      `  - name: app`,
      `    image: ${BUSYBOX}`,
      `    command: [sh, -c, 'echo "$0|$1|$2" > /tmp/args; exec sleep 3600', '$(FIRST)-$(SECOND)', '$$(FIRST)', '$(MISSING)']`,
      '    resources: {requests: {cpu: 250m, memory: 64Mi}, limits: {cpu: 500m, memory: 128Mi}}',
      '    env:',
      ref('POD_NAME', 'metadata.name'), ref('POD_NS', 'metadata.namespace'), ref('POD_UID', 'metadata.uid'),
      ref('TIER', "metadata.labels['tier']"), ref('NOTE', "metadata.annotations['example.com/note']"),
      ref('NODE', 'spec.nodeName'), ref('SA', 'spec.serviceAccountName'),
      ref('HOST_IP', 'status.hostIP'), ref('HOST_IPS', 'status.hostIPs'), ref('POD_IP', 'status.podIP'), ref('POD_IPS', 'status.podIPs'),
      res('LCPU_M', 'limits.cpu', '1m'), res('LCPU', 'limits.cpu'), res('RCPU_M', 'requests.cpu', '1m'),
      res('LMEM_MI', 'limits.memory', '1Mi'), res('RMEM', 'requests.memory'), res('LEPH', 'limits.ephemeral-storage', '1'),
      '    - {name: FIRST, value: one}',
      '    - {name: SECOND, value: "$(FIRST)two"}',
      '    - {name: ESCAPED, value: "$$(FIRST)"}',
      '    - {name: FORWARD, value: "$(THIRD)"}',
      '    - {name: THIRD, value: three}',
      '    - {name: UNKNOWN, value: "$(NOPE)"}',
    ].join('\n') + '\n', '  labels: {tier: backend}\n  annotations: {example.com/note: hello}\n'));
    const pod = await h.waitPod('envp', (p) => p.status?.phase === 'Running');
    const e = envMap(await h.exec('envp', 'app', ['env']));
    assert.equal(e.POD_NAME, 'envp-node-1');
    assert.equal(e.POD_NS, 'default');
    assert.equal(e.POD_UID, pod.metadata!.uid);
    assert.equal(e.TIER, 'backend');
    assert.equal(e.NOTE, 'hello');
    assert.equal(e.NODE, 'node-1');
    assert.equal(e.SA, '');
    assert.equal(e.HOST_IP, '127.0.0.1');
    assert.equal(e.HOST_IPS, '127.0.0.1');
    assert.ok(e.POD_IP && e.POD_IP === pod.status?.podIP, `podIP ${e.POD_IP}`);
    assert.equal(e.POD_IPS, (pod.status?.podIPs ?? []).map((x) => x.ip).join(','));
    assert.equal(e.LCPU_M, '500');
    assert.equal(e.LCPU, '1', 'cpu rounds up to whole cores');
    assert.equal(e.RCPU_M, '250');
    assert.equal(e.LMEM_MI, '128');
    assert.equal(e.RMEM, String(64 * 1024 * 1024));
    assert.ok(Number(e.LEPH) > 0, 'an unset limit reads as node allocatable');
    assert.equal(e.FIRST, 'one');
    assert.equal(e.SECOND, 'onetwo');
    assert.equal(e.ESCAPED, '$(FIRST)');
    assert.equal(e.FORWARD, '$(THIRD)', 'only earlier variables expand');
    assert.equal(e.UNKNOWN, '$(NOPE)');
    assert.equal((await h.exec('envp', 'app', ['cat', '/tmp/args'])).trim(), 'one-onetwo|$(FIRST)|$(MISSING)');

    // Resources, as the container's own cgroup (v1) shows them.
    const read = async (f: string) => (await h.exec('envp', 'app', ['cat', f])).trim();
    assert.equal(await read('/sys/fs/cgroup/cpu/cpu.shares'), '256');
    assert.equal(await read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'), '100000');
    assert.equal(await read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'), '50000');
    assert.equal(await read('/sys/fs/cgroup/memory/memory.limit_in_bytes'), String(128 * 1024 * 1024));
    // Burstable: 1000 - 1000 * 64Mi / machine memory, never below the supervisor's own score.
    const adj = Number(await read('/proc/1/oom_score_adj'));
    assert.ok(adj >= 3 && adj <= 999, `burstable oom_score_adj ${adj}`);
  });

  test('a container without resources gets minimal shares and no quota or memory limit; limits alone act as requests', async () => {
    await h.write('bare.yaml', manifest('bare', [
      '  terminationGracePeriodSeconds: 0',
      '  containers:',
      `  - {name: none, image: ${BUSYBOX}, command: [sleep, "3600"]}`,
      `  - {name: lim, image: ${BUSYBOX}, command: [sleep, "3600"], resources: {limits: {cpu: 1500m, memory: 64Mi}}}`,
    ].join('\n') + '\n'));
    await h.waitPod('bare', (p) => p.status?.phase === 'Running');
    const read = async (c: string, f: string) => (await h.exec('bare', c, ['cat', f])).trim();
    assert.equal(await read('none', '/sys/fs/cgroup/cpu/cpu.shares'), '2');
    assert.equal(await read('none', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us'), '-1');
    assert.ok(BigInt(await read('none', '/sys/fs/cgroup/memory/memory.limit_in_bytes')) > 1n << 40n);
    assert.equal(await read('none', '/proc/1/oom_score_adj'), '999', 'Burstable pod, container with no memory request');
    assert.equal(await read('lim', '/sys/fs/cgroup/cpu/cpu.shares'), '1536');
    assert.equal(await read('lim', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us'), '150000');
    assert.equal(await read('lim', '/sys/fs/cgroup/memory/memory.limit_in_bytes'), String(64 * 1024 * 1024));
  });
});
