import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, readlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, runCli } from '../../helpers/cli.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { eventually } from '../../helpers/manifests.js';
import { BUSYBOX, cs, manifest, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

/** Long runs of x shown by their length, so that a failed comparison stays readable. */
const short = (s: string): string => s.replace(/x{100,}/g, (m) => `x*${m.length}`);

/** Counts its own instances in an emptyDir, so each restart prints something new. */
const COUNT = 'n=$(cat /d/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /d/n';

describe('container logs against containerd', () => {
  let env: ContainerdEnv;
  let h: SupervisorHarness;
  const logs = (...args: string[]) => runCli(['logs', ...args, '--root-dir', h.settings.rootDir]);
  const id = (pod: string, c: string): string => cs(h.pod(pod)!, c)!.containerID!.replace(/^containerd:\/\//, '');

  before(async () => {
    env = await startContainerd();
    h = await startSupervisor(env, { crashBackoffBaseMs: 1_000 });
    await h.write(
      'talk.yaml',
      manifest(
        'talk',
        [
          '  terminationGracePeriodSeconds: 1',
          '  containers:',
          `  - name: c`,
          `    image: ${BUSYBOX}`,
          // A 20000-character line is split by the runtime into partial entries.
          // stdout and stderr reach the log file through separate pipes: the pause keeps their order.
          `    command: [sh, -c, "echo oops >&2; sleep 1; for i in 1 2 3 4 5; do echo line $i; done; head -c 20000 /dev/zero | tr '\\\\0' x; echo; exec sleep 3600"]`,
          '',
        ].join('\n'),
      ),
    );
    await h.write('two.yaml', manifest('two', `  terminationGracePeriodSeconds: 1\n  initContainers: [{name: i, image: ${BUSYBOX}, command: [sh, -c, "true"]}]\n  containers:\n  - {name: a, image: ${BUSYBOX}, command: [sh, -c, "echo from a; exec sleep 3600"]}\n  - {name: b, image: ${BUSYBOX}, command: [sleep, "3600"]}\n`));
    await h.write(
      'crash.yaml',
      manifest('crash', `  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: c, image: ${BUSYBOX}, command: [sh, -c, "${COUNT}; echo instance $n; if [ $n -lt 2 ]; then exit 1; fi; exec sleep 3600"], volumeMounts: [{name: d, mountPath: /d}]}\n  volumes: [{name: d, emptyDir: {}}]\n`),
    );
  });
  after(async () => {
    await h?.stop();
    await env?.down();
  });

  test('prints the output of both streams, partial entries joined into one line', async () => {
    await h.waitPod('talk', (p) => p.status?.phase === 'Running', 30_000);
    const r = await eventually(async () => {
      const x = await logs('talk');
      return x.stdout.includes('x'.repeat(20000)) ? x : undefined;
    }, { timeoutMs: 10_000, intervalMs: 200, what: 'logs of talk' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(short(r.stdout), short(`oops\nline 1\nline 2\nline 3\nline 4\nline 5\n${'x'.repeat(20000)}\n`));
    const raw = await readFile(join(h.settings.podLogsDir, `default_talk-node-1_${h.pod('talk')!.metadata!.uid!}`, 'c', '0.log'), 'utf8');
    assert.match(raw, / stdout P x{100}/, 'the runtime split the long line');
    const ns = await logs('default/talk-node-1');
    assert.equal(ns.stdout, r.stdout, 'namespace/name with the node suffix works too');
  });

  test('--tail, --timestamps and --since', async () => {
    const tail = await logs('talk', '--tail', '2');
    assert.equal(short(tail.stdout), short(`line 5\n${'x'.repeat(20000)}\n`));
    const ts = await logs('talk', '--tail', '1', '-c', 'c', '--timestamps');
    assert.match(ts.stdout, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}) x{20000}\n$/);
    assert.equal((await logs('talk', '--since', '1h')).stdout.split('\n').length, 8);
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal((await logs('talk', '--since', '1s')).stdout, '', 'everything was written more than a second ago');
    const bad = await logs('talk', '--tail', 'many');
    assert.equal(bad.code, 2);
  });

  test('-c picks the container; without it a multi-container pod is an error naming the choices', async () => {
    await h.waitPod('two', (p) => p.status?.phase === 'Running', 30_000);
    const r = await logs('two');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /a container name must be specified for pod two-node-1, choose one of: \[a b\] or one of the init containers: \[i\]/);
    const a = await eventually(async () => ((await logs('two', '-c', 'a')).stdout === 'from a\n' ? true : undefined), { timeoutMs: 10_000, intervalMs: 200, what: 'logs of a' });
    assert.ok(a);
    const bad = await logs('two', '-c', 'zz');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /container zz is not valid for pod two-node-1/);
    const missing = await logs('nope');
    assert.match(missing.stderr, /pod "nope" not found/);
    const noPrev = await logs('two', '-c', 'a', '--previous');
    assert.match(noPrev.stderr, /previous terminated container "a" in pod "two-node-1" not found/);
  });

  test('--previous reads the instance before the last restart', async () => {
    await h.waitPod('crash', (p) => (cs(p, 'c')?.restartCount ?? 0) >= 1 && cs(p, 'c')?.state?.running !== undefined, 30_000);
    const cur = await eventually(async () => {
      const x = await logs('crash');
      return x.stdout === 'instance 2\n' ? x : undefined;
    }, { timeoutMs: 10_000, intervalMs: 200, what: 'current instance logs' });
    assert.equal(cur.code, 0);
    const prev = await logs('crash', '--previous');
    assert.equal(prev.stdout, 'instance 1\n');
  });

  test('-f prints new lines and follows the container into its next instance', async () => {
    await h.write(
      'tick.yaml',
      manifest(
        'tick',
        `  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: c, image: ${BUSYBOX}, command: [sh, -c, "${COUNT}; echo start $n; for i in 1 2 3; do sleep 1; echo tick $n $i; done; if [ $n -ge 2 ]; then exec sleep 3600; fi; exit 1"], volumeMounts: [{name: d, mountPath: /d}]}\n  volumes: [{name: d, emptyDir: {}}]\n`,
      ),
    );
    await h.waitPod('tick', (p) => cs(p, 'c')?.state?.running !== undefined, 30_000);
    const child = spawn(process.execPath, [BIN, 'logs', '-f', 'tick', '--root-dir', h.settings.rootDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const closed = new Promise((r) => child.on('close', r));
    try {
      await eventually(() => out.includes('tick 2 3\n'), { timeoutMs: 40_000, intervalMs: 100, what: `followed output (got ${JSON.stringify(out)} ${err})` });
      assert.equal(out, 'start 1\ntick 1 1\ntick 1 2\ntick 1 3\nstart 2\ntick 2 1\ntick 2 2\ntick 2 3\n');
    } finally {
      child.kill('SIGTERM');
      await closed;
    }
    // Removing the pod ends a follower on its own.
    const again = spawn(process.execPath, [BIN, 'logs', '-f', 'tick', '--root-dir', h.settings.rootDir], { stdio: 'ignore' });
    const ended = new Promise<number | null>((r) => again.on('close', r));
    await new Promise((r) => setTimeout(r, 1_000));
    await h.remove('tick.yaml');
    const timer = setTimeout(() => again.kill('SIGKILL'), 20_000);
    assert.equal(await ended, 0);
    clearTimeout(timer);
  });

  test("the links directory holds kubelet-named symlinks to each container's log, repaired by a restarted supervisor", async () => {
    const dir = h.settings.containerLogLinksDir;
    const talk = `talk-node-1_default_c-${id('talk', 'c')}.log`;
    const pod = h.pod('talk')!;
    await eventually(async () => (await readdir(dir).catch(() => [] as string[])).includes(talk), { timeoutMs: 5_000, what: 'talk link' });
    assert.equal(await readlink(join(dir, talk)), join(h.settings.podLogsDir, `default_talk-node-1_${pod.metadata!.uid!}`, 'c', '0.log'));
    // Both instances of the crashed container are kept, and so are their links.
    const crashLinks = (await readdir(dir)).filter((n) => n.startsWith('crash-node-1_default_c-'));
    assert.equal(crashLinks.length, 2, crashLinks.join(' '));
    const targets = await Promise.all(crashLinks.map((n) => readlink(join(dir, n))));
    assert.deepEqual(targets.map((t) => t.split('/').pop()).sort(), ['0.log', '1.log']);

    // Removing a pod removes its links.
    assert.ok((await readdir(dir)).some((n) => n.startsWith('two-node-1_default_a-')));
    await h.remove('two.yaml');
    await eventually(async () => !(await readdir(dir)).some((n) => n.startsWith('two-node-1_')), { timeoutMs: 20_000, what: 'links of two removed' });

    // A link lost while staticlet was down comes back.
    await h.stop();
    await unlink(join(dir, talk));
    h = await startSupervisor(env, { crashBackoffBaseMs: 1_000, dir: h.dir });
    await eventually(async () => (await readdir(dir)).includes(talk), { timeoutMs: 10_000, what: 'talk link restored' });
  });
});
