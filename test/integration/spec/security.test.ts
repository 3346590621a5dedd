import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUSYBOX, cs, manifest, withSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

const sleeper = (name: string, sc = '') => `  - {name: ${name}, image: ${BUSYBOX}, command: [sleep, "3600"]${sc ? `, securityContext: ${sc}` : ''}}`;

function statusField(status: string, key: string): string {
  const line = status.split('\n').find((l) => l.startsWith(`${key}:`));
  return line?.split(':')[1]?.trim() ?? '';
}

describe('security contexts against containerd', () => {
  let h: SupervisorHarness;
  withSupervisor({ crashBackoffBaseMs: 1_000 }, (x) => {
    h = x;
  });

  test('users, groups, capabilities, no_new_privs, read-only rootfs and sysctls', async () => {
    await h.write('sec.yaml', manifest('sec', [
      '  terminationGracePeriodSeconds: 0',
      '  securityContext:',
      '    runAsUser: 1000',
      '    runAsGroup: 3000',
      '    fsGroup: 2000',
      '    supplementalGroups: [4000, 5000]',
      '    sysctls: [{name: net.ipv4.ip_local_port_range, value: "20000 30000"}, {name: kernel.shm_rmid_forced, value: "1"}]',
      '  containers:',
      sleeper('ids', '{runAsUser: 1001}'),
      sleeper('caps', '{runAsUser: 0, capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}, allowPrivilegeEscalation: false, seccompProfile: {type: RuntimeDefault}}'),
      sleeper('ro', '{readOnlyRootFilesystem: true}'),
      sleeper('plain', '{appArmorProfile: {type: Unconfined}}'),
    ].join('\n') + '\n'));
    await h.waitPod('sec', (p) => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.state?.running));

    const id = (await h.exec('sec', 'ids', ['id'])).trim();
    assert.match(id, /^uid=1001 gid=3000 groups=/, id);
    const groups = id.slice(id.indexOf('groups=')).match(/\d+/g) ?? ([] as string[]);
    for (const g of ['2000', '4000', '5000']) assert.ok(groups.includes(g), `${g} in ${id}`);
    assert.match((await h.exec('sec', 'plain', ['id'])).trim(), /^uid=1000 gid=3000/);

    const status = await h.exec('sec', 'caps', ['cat', '/proc/self/status']);
    assert.equal(statusField(status, 'CapEff'), '0000000000000400', 'only CAP_NET_BIND_SERVICE (bit 10)');
    assert.equal(statusField(status, 'NoNewPrivs'), '1');
    assert.equal(statusField(status, 'Seccomp'), '2', 'RuntimeDefault filters');
    const plainStatus = await h.exec('sec', 'plain', ['cat', '/proc/self/status']);
    assert.equal(statusField(plainStatus, 'NoNewPrivs'), '0');
    assert.equal(statusField(plainStatus, 'Seccomp'), '0', 'Unconfined without a profile, as the kubelet (seccompDefault off)');

    const write = async (c: string) => (await h.exec('sec', c, ['sh', '-c', 'touch /probe-file 2>&1; echo rc=$?'])).trim();
    assert.match(await write('ro'), /Read-only file system[\s\S]*rc=1/);
    // uid 1000 cannot write / either; check the mount flag instead.
    const mounts = await h.exec('sec', 'ro', ['cat', '/proc/self/mounts']);
    const rootMount = mounts.split('\n').find((l) => l.split(' ')[1] === '/');
    assert.match(rootMount ?? '', /\bro\b/, rootMount);
    const plainRoot = (await h.exec('sec', 'plain', ['cat', '/proc/self/mounts'])).split('\n').find((l) => l.split(' ')[1] === '/');
    assert.match(plainRoot ?? '', /\brw\b/, plainRoot);

    assert.equal((await h.exec('sec', 'plain', ['cat', '/proc/sys/net/ipv4/ip_local_port_range'])).trim().split(/\s+/).join(' '), '20000 30000');
    assert.equal((await h.exec('sec', 'plain', ['cat', '/proc/sys/kernel/shm_rmid_forced'])).trim(), '1');
  });

  test('a privileged container sees the host devices; an ordinary one does not', async () => {
    await h.write('priv.yaml', manifest('priv', [
      '  terminationGracePeriodSeconds: 0',
      '  containers:',
      sleeper('priv', '{privileged: true}'),
      sleeper('plain'),
    ].join('\n') + '\n'));
    await h.waitPod('priv', (p) => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.state?.running));
    const count = async (c: string) => Number((await h.exec('priv', c, ['sh', '-c', 'ls /dev | wc -l'])).trim());
    assert.ok((await count('priv')) > (await count('plain')) + 10);
    await h.exec('priv', 'priv', ['test', '-c', '/dev/kmsg']);
    await assert.rejects(h.exec('priv', 'plain', ['test', '-e', '/dev/kmsg']));
    const capEff = statusField(await h.exec('priv', 'priv', ['cat', '/proc/self/status']), 'CapEff');
    assert.match(capEff, /^000001ff|^0000003f|^000000ff/, `privileged CapEff ${capEff}`);
  });

  test('runAsNonRoot with an image that runs as root: CreateContainerConfigError', async () => {
    await h.write('nonroot.yaml', manifest('nonroot', [
      '  terminationGracePeriodSeconds: 0',
      '  containers:',
      // The refused container comes first: app containers start independently of each other.
      sleeper('app', '{runAsNonRoot: true}'),
      sleeper('ok', '{runAsNonRoot: true, runAsUser: 1234}'),
    ].join('\n') + '\n'));
    const p = await h.waitPod('nonroot', (x) => cs(x, 'app')?.state?.waiting?.reason === 'CreateContainerConfigError' && cs(x, 'ok')?.state?.running !== undefined).catch((err) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify(h.pod('nonroot')?.status)}`);
    });
    assert.match(cs(p, 'app')!.state!.waiting!.message!, /container has runAsNonRoot and image will run as root \(pod: "nonroot-node-1_default\(.+\)", container: app\)/);
    assert.match((await h.exec('nonroot', 'ok', ['id', '-u'])).trim(), /^1234$/);
  });
});
