import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { eventually } from '../../helpers/manifests.js';
import { BUSYBOX, cs, manifest, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';
import { mountsUnder, readMounts } from '../../../src/volumes/mountinfo.js';
import { asNobody } from '../../helpers/racer.js';

const SLEEP = `command: [sleep, "3600"]`;

describe('volumes against containerd', () => {
  let env: ContainerdEnv;
  let h: SupervisorHarness;
  let host: string;
  let sock: Server;
  before(async () => {
    env = await startContainerd();
    h = await startSupervisor(env, { crashBackoffBaseMs: 1_000 });
    host = join(h.dir, 'host');
    await mkdir(join(host, 'existing-dir'), { recursive: true });
    await writeFile(join(host, 'existing-file'), 'from the host\n');
    sock = createServer().listen(join(host, 'app.sock'));
    await new Promise((r) => sock.once('listening', r));
  });
  after(async () => {
    sock?.close();
    await h?.stop();
    await env?.down();
  });

  const running = (name: string, container = 'app') => h.waitPod(name, (p) => cs(p, container)?.state?.running !== undefined, 30_000);
  const sh = (pod: string, script: string, container = 'app') => h.exec(pod, container, ['sh', '-c', script]);

  test('hostPath: every type check passes on the right kind of path, with the kubelet modes', async () => {
    await h.write('hp.yaml', manifest('hp', [
      '  terminationGracePeriodSeconds: 1',
      '  containers:',
      `  - name: app`,
      `    image: ${BUSYBOX}`,
      `    ${SLEEP}`,
      '    volumeMounts:',
      '    - {name: created-dir, mountPath: /created-dir}',
      '    - {name: created-file, mountPath: /created-file}',
      '    - {name: dir, mountPath: /dir}',
      '    - {name: file, mountPath: /file, readOnly: true}',
      '    - {name: sock, mountPath: /run/app.sock}',
      '    - {name: devnull, mountPath: /null-device}',
      '    - {name: unchecked, mountPath: /unchecked}',
      '  volumes:',
      `  - {name: created-dir, hostPath: {path: ${host}/new/dir, type: DirectoryOrCreate}}`,
      `  - {name: created-file, hostPath: {path: ${host}/new-file, type: FileOrCreate}}`,
      `  - {name: dir, hostPath: {path: ${host}/existing-dir, type: Directory}}`,
      `  - {name: file, hostPath: {path: ${host}/existing-file, type: File}}`,
      `  - {name: sock, hostPath: {path: ${host}/app.sock, type: Socket}}`,
      '  - {name: devnull, hostPath: {path: /dev/null, type: CharDevice}}',
      `  - {name: unchecked, hostPath: {path: ${host}/existing-dir}}`,
      '',
    ].join('\n')));
    await running('hp');
    assert.equal((await stat(join(host, 'new', 'dir'))).mode & 0o7777, 0o755);
    assert.equal((await stat(join(host, 'new-file'))).mode & 0o7777, 0o644);
    assert.equal((await sh('hp', 'test -d /created-dir && test -f /created-file && test -S /run/app.sock && test -c /null-device && echo ok')).trim(), 'ok');
    assert.equal(await sh('hp', 'cat /file'), 'from the host\n');
    await sh('hp', 'echo hi > /dir/written');
    assert.equal(await readFile(join(host, 'existing-dir', 'written'), 'utf8'), 'hi\n');
    assert.equal((await sh('hp', 'cat /unchecked/written')).trim(), 'hi');
    await assert.rejects(sh('hp', 'echo x > /file'), /Read-only file system/);
  });

  test('a hostPath type check that fails keeps the pod from starting, with a clear reason', async () => {
    await h.write('hpbad.yaml', manifest('hpbad', [
      '  containers:',
      `  - {name: app, image: ${BUSYBOX}, ${SLEEP}, volumeMounts: [{name: certs, mountPath: /certs}]}`,
      `  volumes: [{name: certs, hostPath: {path: ${host}/missing-dir, type: Directory}}]`,
      '',
    ].join('\n')));
    const p = await h.waitPod('hpbad', (x) => cs(x, 'app')?.state?.waiting?.reason === 'CreateContainerConfigError');
    const msg = cs(p, 'app')!.state!.waiting!.message!;
    assert.match(msg, /volume "certs"/);
    assert.match(msg, new RegExp(`${host}/missing-dir is not a directory`));
    assert.equal(p.status?.phase, 'Pending');
    assert.equal((await h.objects(p.metadata!.uid!)).containers.length, 0, 'no container created');
    await h.remove('hpbad.yaml');
  });

  test('emptyDir survives a container restart and goes with the pod; Memory emptyDir is a sized tmpfs', async () => {
    await h.write('ed.yaml', manifest('ed', [
      '  terminationGracePeriodSeconds: 1',
      '  containers:',
      '  - name: app',
      `    image: ${BUSYBOX}`,
      '    command: [sh, -c, "if [ -f /data/first ]; then exec sleep 3600; fi; echo run1 > /data/first; echo mem > /mem/file; exit 1"]',
      '    volumeMounts: [{name: data, mountPath: /data}, {name: mem, mountPath: /mem}]',
      '  volumes:',
      '  - {name: data, emptyDir: {}}',
      '  - {name: mem, emptyDir: {medium: Memory, sizeLimit: 8Mi}}',
      '',
    ].join('\n')));
    const p = await h.waitPod('ed', (x) => (cs(x, 'app')?.restartCount ?? 0) >= 1 && cs(x, 'app')?.state?.running !== undefined, 30_000);
    const uid = p.metadata!.uid!;
    assert.equal((await sh('ed', 'cat /data/first')).trim(), 'run1');
    assert.equal((await sh('ed', 'cat /mem/file')).trim(), 'mem', 'tmpfs content survives the restart too');
    const mounts = await sh('ed', 'cat /proc/mounts');
    assert.match(mounts, /^tmpfs \/mem tmpfs \S*size=8192k/m);
    assert.doesNotMatch(mounts, /^\S+ \/data tmpfs/m);
    const podDir = join(h.settings.rootDir, 'pods', uid);
    assert.equal(await readFile(join(podDir, 'volumes', 'kubernetes.io~empty-dir', 'data', 'first'), 'utf8'), 'run1\n');

    await h.remove('ed.yaml');
    await eventually(() => stat(podDir).then(() => false, () => true), { timeoutMs: 20_000, what: 'pod directory removed' });
    assert.equal((await readMounts()).filter((m) => m.mountPoint.includes(uid)).length, 0, 'tmpfs unmounted');
  });

  test('pod state is private: root dir, pods/ and pod dirs 0750; nobody cannot list pods or write an emptyDir', async () => {
    await h.write('priv.yaml', manifest('priv', [
      '  terminationGracePeriodSeconds: 1',
      '  containers:',
      '  - name: app',
      `    image: ${BUSYBOX}`,
      '    command: [sh, -c, "touch /data/by-container; exec sleep 3600"]',
      '    volumeMounts: [{name: data, mountPath: /data}]',
      '  volumes: [{name: data, emptyDir: {}}]',
      '',
    ].join('\n')));
    const p = await running('priv');
    const root = h.settings.rootDir;
    const pod = join(root, 'pods', p.metadata!.uid!);
    const data = join(pod, 'volumes', 'kubernetes.io~empty-dir', 'data');
    for (const d of [root, join(root, 'pods'), pod, join(pod, 'volumes'), join(pod, 'containers')]) {
      const st = await stat(d);
      assert.equal(st.mode & 0o7777, 0o750, `${d} is 0750`);
      assert.equal(st.uid, 0, `${d} is root's`);
    }
    assert.equal((await stat(data)).mode & 0o777, 0o777, 'the emptyDir itself stays writable for any container user');
    // Only the modes above may keep `nobody` out: the test directories above them are opened up.
    for (let d = h.dir; d.startsWith(env.dir); d = join(d, '..')) await chmod(d, 0o755);
    assert.notEqual(await asNobody(['ls', join(root, 'pods')]), 0, 'nobody lists pods/');
    assert.notEqual(await asNobody(['touch', join(data, 'by-nobody')]), 0, 'nobody writes the emptyDir');
    assert.notEqual(await asNobody(['cat', join(pod, 'etc-hosts')]), 0, 'nobody reads the hosts file');
    await h.remove('priv.yaml');
  });

  test('a termination message file swapped for a symlink by a sibling container is not read through it', async () => {
    const secret = join(h.dir, 'host', 'secret');
    await writeFile(secret, 'SECRET from the host\n');
    await h.write('term.yaml', manifest('term', [
      '  terminationGracePeriodSeconds: 1',
      '  restartPolicy: Never',
      '  initContainers:',
      '  - {name: init, image: ' + BUSYBOX + ', command: [touch, /vol/msg], volumeMounts: [{name: data, mountPath: /vol}]}',
      '  containers:',
      '  - name: sib',
      `    image: ${BUSYBOX}`,
      `    ${SLEEP}`,
      '    volumeMounts: [{name: data, mountPath: /vol}]',
      '  - name: app',
      `    image: ${BUSYBOX}`,
      '    command: [sh, -c, "sleep 4; exit 1"]',
      '    volumeMounts: [{name: data, mountPath: /dev/termination-log, subPath: msg}]',
      '  volumes: [{name: data, emptyDir: {}}]',
      '',
    ].join('\n')));
    await running('term', 'sib');
    await sh('term', `rm /vol/msg && ln -s ${secret} /vol/msg`, 'sib');
    const p = await h.waitPod('term', (x) => cs(x, 'app')?.state?.terminated !== undefined, 30_000);
    const t = cs(p, 'app')!.state!.terminated!;
    assert.equal(t.exitCode, 1);
    assert.doesNotMatch(t.message ?? '', /SECRET/, 'the host file was read into the pod status');
    await h.remove('term.yaml');
  });

  test('a sidecar swapping a subPath directory for a symlink to the host never gets the host path mounted', async () => {
    const victim = join(h.dir, 'host', 'victim');
    await mkdir(victim, { recursive: true });
    await writeFile(join(victim, 'VICTIM'), '');
    const users = Array.from({ length: 10 }, (_, i) => [
      `  - name: u${i}`,
      `    image: ${BUSYBOX}`,
      '    command: [sh, -c, "ls /mnt; test ! -e /mnt/VICTIM"]',
      '    volumeMounts: [{name: data, mountPath: /mnt, subPath: sub}]',
    ].join('\n'));
    await h.write('race.yaml', manifest('race', [
      '  terminationGracePeriodSeconds: 1',
      '  initContainers:',
      '  - name: racer',
      `    image: ${BUSYBOX}`,
      '    restartPolicy: Always',
      `    command: [sh, -c, "mkdir -p /vol/sub && touch /vol/sub/REAL && ln -s ${victim} /vol/.lnk; while :; do mv /vol/sub /vol/.tmp; mv /vol/.lnk /vol/sub; mv /vol/sub /vol/.lnk; mv /vol/.tmp /vol/sub; usleep 5000; done"]`,
      '    volumeMounts: [{name: data, mountPath: /vol}]',
      ...users,
      '  containers:',
      '  - name: app',
      `    image: ${BUSYBOX}`,
      `    ${SLEEP}`,
      '  volumes: [{name: data, emptyDir: {}}]',
      '',
    ].join('\n')));
    const p = await running('race');
    const logs = join(h.settings.podLogsDir, `default_race-node-1_${p.metadata!.uid!}`);
    for (let i = 0; i < 10; i++) {
      for (const f of await readdir(join(logs, `u${i}`))) {
        assert.doesNotMatch(await readFile(join(logs, `u${i}`, f), 'utf8'), /VICTIM/, `u${i} saw the host directory`);
      }
    }
    assert.deepEqual(await readdir(victim), ['VICTIM'], 'nothing was created in the host directory');
    await h.remove('race.yaml');
  });

  test('subPath, subPathExpr and readOnly mounts', async () => {
    await h.write('sub.yaml', manifest('sub', [
      '  terminationGracePeriodSeconds: 1',
      '  containers:',
      '  - name: app',
      `    image: ${BUSYBOX}`,
      `    ${SLEEP}`,
      '    env: [{name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]',
      '    volumeMounts:',
      '    - {name: data, mountPath: /sub, subPath: a/b}',
      '    - {name: data, mountPath: /expr, subPathExpr: "logs/$(POD_NAME)"}',
      '    - {name: data, mountPath: /ro, readOnly: true}',
      '    - {name: data, mountPath: /all}',
      '  volumes: [{name: data, emptyDir: {}}]',
      '',
    ].join('\n')));
    const p = await running('sub');
    await sh('sub', 'echo s > /sub/x && echo e > /expr/y');
    assert.equal((await sh('sub', 'cat /all/a/b/x /all/logs/sub-node-1/y')).replace(/\n/g, ' '), 's e ');
    await assert.rejects(sh('sub', 'touch /ro/z'), /Read-only file system/);
    assert.equal((await sh('sub', 'ls /ro/a/b')).trim(), 'x', 'the read-only view sees the same volume');
    const vol = join(h.settings.rootDir, 'pods', p.metadata!.uid!, 'volumes', 'kubernetes.io~empty-dir', 'data');
    assert.equal(await readFile(join(vol, 'logs', 'sub-node-1', 'y'), 'utf8'), 'e\n');
    // The runtime was handed bind mounts in the private pod directory, not paths in the volume.
    const podDir = join(h.settings.rootDir, 'pods', p.metadata!.uid!);
    const binds = mountsUnder(await readMounts(), join(podDir, 'volume-subpaths')).map((m) => m.mountPoint).sort();
    assert.deepEqual(binds, [join(podDir, 'volume-subpaths', 'data', 'app', '0'), join(podDir, 'volume-subpaths', 'data', 'app', '1')]);
    await h.remove('sub.yaml');
    await eventually(() => stat(podDir).then(() => false, () => true), { timeoutMs: 20_000, what: 'pod directory removed' });
    assert.equal(mountsUnder(await readMounts(), podDir).length, 0, 'subPath binds unmounted with the pod');
  });

  test('downwardAPI and projected files follow a label edit without restarting the pod', async () => {
    const yaml = (tier: string) => manifest('dapi', [
      '  terminationGracePeriodSeconds: 1',
      '  containers:',
      '  - name: app',
      `    image: ${BUSYBOX}`,
      `    ${SLEEP}`,
      '    resources: {limits: {cpu: 500m, memory: 64Mi}}',
      '    volumeMounts: [{name: info, mountPath: /etc/podinfo}, {name: proj, mountPath: /etc/proj}]',
      // Its environment reads the label: it is the one container the edit replaces.
      '  - name: env',
      `    image: ${BUSYBOX}`,
      `    ${SLEEP}`,
      "    env: [{name: TIER, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['tier']\"}}}]",
      '  volumes:',
      '  - name: info',
      '    downwardAPI:',
      '      items:',
      '      - {path: labels, fieldRef: {fieldPath: metadata.labels}}',
      '      - {path: name, fieldRef: {fieldPath: metadata.name}}',
      '      - {path: uid, fieldRef: {fieldPath: metadata.uid}}',
      '      - {path: cpu, resourceFieldRef: {containerName: app, resource: limits.cpu, divisor: 1m}}',
      '      - {path: mem, resourceFieldRef: {containerName: app, resource: limits.memory, divisor: 1Mi}, mode: 0600}',
      '  - name: proj',
      '    projected:',
      '      sources:',
      "      - downwardAPI: {items: [{path: tier, fieldRef: {fieldPath: \"metadata.labels['tier']\"}}]}",
      '      - downwardAPI: {items: [{path: note, fieldRef: {fieldPath: "metadata.annotations[\'note\']"}}]}',
      '',
    ].join('\n'), `  labels: {tier: ${tier}, app: demo}\n  annotations: {note: "say \\"hi\\""}\n`);
    await h.write('dapi.yaml', yaml('web'));
    const p = await h.waitPod('dapi', (x) => ['app', 'env'].every((c) => cs(x, c)?.state?.running !== undefined), 30_000);
    const uid = p.metadata!.uid!;
    const id = cs(p, 'app')!.containerID;
    const envId = cs(p, 'env')!.containerID;
    assert.equal((await h.exec('dapi', 'env', ['sh', '-c', 'echo $TIER'])).trim(), 'web');
    assert.equal(await sh('dapi', 'cat /etc/podinfo/labels'), 'app="demo"\ntier="web"');
    assert.equal(await sh('dapi', 'cat /etc/podinfo/name'), 'dapi-node-1');
    assert.equal(await sh('dapi', 'cat /etc/podinfo/uid'), uid);
    assert.equal(await sh('dapi', 'cat /etc/podinfo/cpu'), '500');
    assert.equal(await sh('dapi', 'cat /etc/podinfo/mem'), '64');
    assert.equal((await sh('dapi', 'stat -L -c %a /etc/podinfo/mem')).trim(), '600');
    assert.match(await sh('dapi', 'ls -la /etc/podinfo/'), /\.\.data -> \.\.\d{4}_/);
    assert.equal(await sh('dapi', 'cat /etc/proj/tier'), 'web');
    assert.equal(await sh('dapi', 'cat /etc/proj/note'), 'say "hi"');
    await assert.rejects(sh('dapi', 'echo x > /etc/podinfo/new'), /Read-only file system/);

    await h.write('dapi.yaml', yaml('db'));
    await eventually(async () => (await sh('dapi', 'cat /etc/podinfo/labels')) === 'app="demo"\ntier="db"', { timeoutMs: 15_000, what: 'labels file updated' });
    assert.equal(await sh('dapi', 'cat /etc/proj/tier'), 'db');
    const after = h.pod('dapi')!;
    assert.equal(after.metadata!.uid, uid, 'same pod');
    assert.equal(after.metadata!.labels!.tier, 'db');
    assert.equal(cs(after, 'app')!.containerID, id, 'same container');
    assert.equal(cs(after, 'app')!.restartCount, 0);
    const replaced = await h.waitPod('dapi', (x) => cs(x, 'env')?.containerID !== envId && cs(x, 'env')?.state?.running !== undefined);
    assert.equal(cs(replaced, 'app')!.containerID, id, 'the other container stays');
    assert.equal((await h.exec('dapi', 'env', ['sh', '-c', 'echo $TIER'])).trim(), 'db');
  });

  test('a restarted supervisor still unmounts and removes the volumes of a pod removed later', async () => {
    await h.write('mem.yaml', manifest('mem', [
      '  terminationGracePeriodSeconds: 1',
      `  containers: [{name: app, image: ${BUSYBOX}, ${SLEEP}, volumeMounts: [{name: m, mountPath: /m}]}]`,
      '  volumes: [{name: m, emptyDir: {medium: Memory}}]',
      '',
    ].join('\n')));
    const uid = (await running('mem')).metadata!.uid!;
    await h.stop();
    h = await startSupervisor(env, { crashBackoffBaseMs: 1_000, dir: h.dir });
    await running('mem');
    const podDir = join(h.settings.rootDir, 'pods', uid);
    assert.equal((await readMounts()).filter((m) => m.mountPoint.includes(uid)).length, 1, 'adopted, not remounted');
    await h.remove('mem.yaml');
    await eventually(() => stat(podDir).then(() => false, () => true), { timeoutMs: 20_000, what: 'pod directory removed' });
    assert.equal((await readMounts()).filter((m) => m.mountPoint.includes(uid)).length, 0, 'tmpfs unmounted');
  });
});
