import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { eventually } from '../../helpers/manifests.js';
import { BUSYBOX, condition, cs, manifest, withSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

describe('pod lifecycle against containerd', () => {
  let h: SupervisorHarness;
  withSupervisor({ crashBackoffBaseMs: 1_000 }, (x) => {
    h = x;
  });

  const objects = (uid: string) => h.objects(uid);

  test('a dropped manifest runs; removing it removes sandbox and containers and keeps the logs', async () => {
    await h.write('run.yaml', manifest('run', `  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: a, image: ${BUSYBOX}, command: [sh, -c, "echo hello; exec sleep 3600"]}\n  - {name: b, image: ${BUSYBOX}, command: [sleep, "3600"]}\n`));
    const p = await h.waitPod('run', (x) => x.status?.phase === 'Running' && condition(x, 'Ready') === 'True');
    const uid = p.metadata!.uid!;
    assert.equal(condition(p, 'PodReadyToStartContainers'), 'True');
    assert.equal(condition(p, 'Initialized'), 'True');
    assert.equal(condition(p, 'ContainersReady'), 'True');
    assert.equal(condition(p, 'PodScheduled'), 'True');
    assert.ok(cs(p, 'a')?.state?.running?.startedAt);
    assert.match(cs(p, 'a')!.containerID!, /^containerd:\/\/[0-9a-f]{64}$/);
    assert.ok(p.status?.podIP, 'pod network sandbox has an IP');
    assert.equal(p.status?.hostIP, '127.0.0.1');
    assert.ok(p.status?.startTime);
    const running = await objects(uid);
    assert.equal(running.sandboxes.length, 1);
    assert.deepEqual(running.containers.map((c) => c.state).sort(), ['running', 'running']);
    const logDir = join(h.settings.podLogsDir, `default_run-node-1_${uid}`);
    await eventually(async () => (await readFile(join(logDir, 'a', '0.log'), 'utf8').catch(() => '')).includes('hello'), { what: 'container log' });

    await h.remove('run.yaml');
    await eventually(async () => {
      const o = await objects(uid);
      return o.sandboxes.length === 0 && o.containers.length === 0;
    }, { timeoutMs: 15_000, what: 'pod objects removed' });
    await eventually(() => h.pod('run') === undefined, { what: 'status gone' });
    assert.ok((await stat(join(logDir, 'a', '0.log'))).isFile(), 'logs are kept for the retention period');
    assert.match(await readFile(join(logDir, '.staticlet'), 'utf8'), /^removed /);
    await assert.rejects(stat(join(h.settings.rootDir, 'pods', uid)), 'pod directory removed');
  });

  test('init containers run in order, one at a time, before the app containers', async () => {
    await h.write('init.yaml', manifest('init', [
      '  initContainers:',
      `  - {name: first, image: ${BUSYBOX}, command: [sh, -c, "sleep 1; echo first >> /data/order"], volumeMounts: [{name: data, mountPath: /data}]}`,
      `  - {name: second, image: ${BUSYBOX}, command: [sh, -c, "echo second >> /data/order"], volumeMounts: [{name: data, mountPath: /data}]}`,
      '  containers:',
      `  - {name: app, image: ${BUSYBOX}, command: [sh, -c, "echo app >> /data/order; exec sleep 3600"], volumeMounts: [{name: data, mountPath: /data}]}`,
      '  volumes: [{name: data, emptyDir: {}}]',
      '',
    ].join('\n')));
    const pending = await h.waitPod('init', (x) => cs(x, 'first')?.state?.running !== undefined);
    assert.equal(pending.status?.phase, 'Pending');
    assert.equal(condition(pending, 'Initialized'), 'False');
    assert.equal(cs(pending, 'app')?.state?.waiting?.reason, 'PodInitializing');
    assert.equal(cs(pending, 'second')?.state?.waiting?.reason, 'PodInitializing');
    const p = await h.waitPod('init', (x) => x.status?.phase === 'Running');
    const first = cs(p, 'first')!.state!.terminated!;
    const second = cs(p, 'second')!.state!.terminated!;
    assert.equal(first.reason, 'Completed');
    assert.equal(second.exitCode, 0);
    assert.ok(Date.parse(second.startedAt!) >= Date.parse(first.finishedAt!));
    assert.ok(Date.parse(cs(p, 'app')!.state!.running!.startedAt!) >= Date.parse(second.finishedAt!));
    const order = join(h.settings.rootDir, 'pods', p.metadata!.uid!, 'volumes/kubernetes.io~empty-dir/data/order');
    await eventually(async () => (await readFile(order, 'utf8').catch(() => '')) === 'first\nsecond\napp\n', { what: 'init order file' });
    await h.remove('init.yaml');
  });

  test('a failing init container under restartPolicy Never fails the pod; the app never starts', async () => {
    await h.write('initfail.yaml', manifest('initfail', [
      '  restartPolicy: Never',
      '  initContainers:',
      `  - {name: bad, image: ${BUSYBOX}, command: [sh, -c, "exit 3"]}`,
      '  containers:',
      `  - {name: app, image: ${BUSYBOX}, command: [sleep, "3600"]}`,
      '',
    ].join('\n')));
    const p = await h.waitPod('initfail', (x) => x.status?.phase === 'Failed');
    assert.equal(cs(p, 'bad')?.state?.terminated?.exitCode, 3);
    assert.equal(cs(p, 'bad')?.state?.terminated?.reason, 'Error');
    assert.equal(cs(p, 'bad')?.restartCount, 0);
    assert.equal(cs(p, 'app')?.state?.running, undefined);
    assert.equal(condition(p, 'Initialized'), 'False');
    const o = await objects(p.metadata!.uid!);
    assert.equal(o.containers.length, 1, 'only the init container was ever created');
    await h.remove('initfail.yaml');
  });

  test('a sidecar starts before the next init container and keeps running with the app', async () => {
    await h.write('side.yaml', manifest('side', [
      '  terminationGracePeriodSeconds: 1',
      '  initContainers:',
      `  - {name: side, image: ${BUSYBOX}, restartPolicy: Always, command: [sh, -c, "touch /data/side; exec sleep 3600"], volumeMounts: [{name: data, mountPath: /data}]}`,
      `  - {name: wait, image: ${BUSYBOX}, command: [sh, -c, "for i in $(seq 50); do test -f /data/side && exit 0; sleep 0.1; done; exit 1"], volumeMounts: [{name: data, mountPath: /data}]}`,
      '  containers:',
      `  - {name: app, image: ${BUSYBOX}, command: [sleep, "3600"]}`,
      '  volumes: [{name: data, emptyDir: {}}]',
      '',
    ].join('\n')));
    const p = await h.waitPod('side', (x) => x.status?.phase === 'Running' && cs(x, 'app')?.state?.running !== undefined);
    const side = cs(p, 'side')!;
    const wait = cs(p, 'wait')!;
    assert.ok(side.state?.running, 'sidecar still running');
    assert.equal(side.started, true);
    assert.equal(wait.state?.terminated?.exitCode, 0);
    assert.ok(Date.parse(side.state!.running!.startedAt!) <= Date.parse(wait.state!.terminated!.startedAt!));
    assert.equal(condition(p, 'Initialized'), 'True');
    await h.remove('side.yaml');
  });

  test('restartPolicy Never with exit 0 completes: Succeeded, Completed, not ready', async () => {
    await h.write('done.yaml', manifest('done', `  restartPolicy: Never\n  containers:\n  - {name: job, image: ${BUSYBOX}, command: [sh, -c, "echo done"]}\n`));
    const p = await h.waitPod('done', (x) => x.status?.phase === 'Succeeded');
    const job = cs(p, 'job')!;
    assert.equal(job.state?.terminated?.reason, 'Completed');
    assert.equal(job.state?.terminated?.exitCode, 0);
    assert.equal(job.restartCount, 0);
    assert.equal(job.ready, false);
    assert.equal(condition(p, 'Ready'), 'False');
    assert.equal(p.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
    await h.remove('done.yaml');
  });

  test('OnFailure does not restart exit 0; Never does not restart exit 1', async () => {
    await h.write('onfail.yaml', manifest('onfail', `  restartPolicy: OnFailure\n  containers:\n  - {name: job, image: ${BUSYBOX}, command: [sh, -c, "exit 0"]}\n`));
    await h.write('never.yaml', manifest('never', `  restartPolicy: Never\n  containers:\n  - {name: job, image: ${BUSYBOX}, command: [sh, -c, "exit 1"]}\n`));
    const ok = await h.waitPod('onfail', (x) => x.status?.phase === 'Succeeded');
    const failed = await h.waitPod('never', (x) => x.status?.phase === 'Failed');
    assert.equal(cs(failed, 'job')?.state?.terminated?.reason, 'Error');
    // Give a wrong restart every chance to happen (relist every 250 ms, back-off base 1 s).
    await new Promise((r) => setTimeout(r, 2_500));
    for (const [p, name] of [[ok, 'onfail'], [failed, 'never']] as const) {
      const o = await objects(p.metadata!.uid!);
      assert.equal(o.containers.length, 1, `${name}: one container instance only`);
      assert.equal(cs(h.pod(name)!, 'job')?.restartCount, 0);
    }
    await h.remove('onfail.yaml');
    await h.remove('never.yaml');
  });

  test('an image that cannot be pulled: ErrImagePull then ImagePullBackOff, pod Pending', async () => {
    await h.write('nopull.yaml', manifest('nopull', `  containers:\n  - {name: app, image: 127.0.0.1:9/missing/image:1.0}\n`));
    // ErrImagePull shows until the next sync turns it into ImagePullBackOff, which can be quick.
    const first = await h.waitPod('nopull', (x) => ['ErrImagePull', 'ImagePullBackOff'].includes(cs(x, 'app')?.state?.waiting?.reason ?? ''));
    assert.equal(first.status?.phase, 'Pending');
    assert.match(cs(first, 'app')!.state!.waiting!.message!, /127\.0\.0\.1:9\/missing\/image:1\.0/);
    const backoff = await h.waitPod('nopull', (x) => cs(x, 'app')?.state?.waiting?.reason === 'ImagePullBackOff');
    assert.equal(backoff.status?.phase, 'Pending');
    assert.equal(condition(backoff, 'ContainersReady'), 'False');
    const events = h.sup.events(backoff.metadata!.uid!);
    assert.ok(events.some((e) => e.reason === 'Failed' && e.message.startsWith('Failed to pull image')), JSON.stringify(events));
    assert.ok(events.some((e) => e.reason === 'BackOff'), JSON.stringify(events));
    assert.ok(events.some((e) => e.reason === 'Pulling' && e.message === 'Pulling image "127.0.0.1:9/missing/image:1.0"'), JSON.stringify(events));
    await h.remove('nopull.yaml');
  });

  test('an invalid image reference: InvalidImageName, pod Pending', async () => {
    await h.write('badname.yaml', manifest('badname', `  containers:\n  - {name: app, image: "Not/A:Valid::Ref"}\n`));
    const p = await h.waitPod('badname', (x) => cs(x, 'app')?.state?.waiting?.reason === 'InvalidImageName');
    assert.equal(p.status?.phase, 'Pending');
    await h.remove('badname.yaml');
  });

  test('activeDeadlineSeconds: the pod fails with DeadlineExceeded and its containers stop', async () => {
    await h.write('deadline.yaml', manifest('deadline', `  activeDeadlineSeconds: 2\n  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: app, image: ${BUSYBOX}, command: [sleep, "3600"]}\n`));
    const p = await h.waitPod('deadline', (x) => x.status?.phase === 'Failed' && cs(x, 'app')?.state?.terminated !== undefined, 15_000);
    assert.equal(p.status?.reason, 'DeadlineExceeded');
    const o = await objects(p.metadata!.uid!);
    assert.ok(o.containers.every((c) => c.state === 'exited'));
    assert.ok(o.sandboxes.every((s) => s.state === 'notready'), 'a terminal pod keeps its sandbox stopped');
    await h.remove('deadline.yaml');
  });

  test('a failing postStart hook kills the container and the restart policy takes over', async () => {
    await h.write('poststart.yaml', manifest('poststart', [
      '  terminationGracePeriodSeconds: 1',
      '  restartPolicy: Never',
      '  containers:',
      `  - name: app`,
      `    image: ${BUSYBOX}`,
      '    command: [sleep, "3600"]',
      '    lifecycle: {postStart: {exec: {command: [sh, -c, "exit 7"]}}}',
      '',
    ].join('\n')));
    const p = await h.waitPod('poststart', (x) => x.status?.phase === 'Failed', 15_000);
    assert.notEqual(cs(p, 'app')?.state?.terminated?.exitCode, 0);
    const events = h.sup.events(p.metadata!.uid!);
    assert.ok(events.some((e) => e.reason === 'FailedPostStartHook' && /exited with 7/.test(e.message)), JSON.stringify(events));
    await h.remove('poststart.yaml');
  });

  test('termination messages: the file at terminationMessagePath, or the log tail on failure', async () => {
    await h.write('msg.yaml', manifest('msg', [
      '  terminationGracePeriodSeconds: 1',
      '  restartPolicy: Never',
      '  containers:',
      '  - name: file',
      `    image: ${BUSYBOX}`,
      '    command: [sh, -c, "echo -n disk full > /dev/termination-log; exit 3"]',
      '  - name: custom',
      `    image: ${BUSYBOX}`,
      '    terminationMessagePath: /tmp/why',
      '    command: [sh, -c, "echo -n all done > /tmp/why"]',
      '  - name: logs',
      `    image: ${BUSYBOX}`,
      '    terminationMessagePolicy: FallbackToLogsOnError',
      '    command: [sh, -c, "for i in 1 2 3; do echo line $i; done; exit 1"]',
      '',
    ].join('\n')));
    const p = await h.waitPod('msg', (x) => x.status?.phase === 'Failed', 20_000);
    assert.deepEqual(cs(p, 'file')?.state?.terminated && { code: cs(p, 'file')!.state!.terminated!.exitCode, message: cs(p, 'file')!.state!.terminated!.message }, { code: 3, message: 'disk full' });
    assert.equal(cs(p, 'custom')?.state?.terminated?.message, 'all done');
    assert.equal(cs(p, 'logs')?.state?.terminated?.message, 'line 1\nline 2\nline 3');
    await h.remove('msg.yaml');
  });

  test('runtimeClassName names the runtime handler: a configured one runs, an unknown one fails the sandbox', async () => {
    const spec = (cls: string) => `  runtimeClassName: ${cls}\n  terminationGracePeriodSeconds: 1\n  containers: [{name: app, image: ${BUSYBOX}, command: [sleep, "3600"]}]\n`;
    await h.write('rc-runc.yaml', manifest('rc-runc', spec('runc')));
    await h.write('rc-none.yaml', manifest('rc-none', spec('no-such-handler')));
    const ok = await h.waitPod('rc-runc', (x) => x.status?.phase === 'Running');
    assert.equal((await h.objects(ok.metadata!.uid!)).sandboxes[0]?.runtimeHandler, 'runc');
    const bad = await h.waitPod('rc-none', (x) => Boolean(x.metadata?.uid));
    const ev = await eventually(() => h.sup.events(bad.metadata!.uid!).find((e) => e.reason === 'FailedCreatePodSandBox'), { timeoutMs: 15_000, what: 'FailedCreatePodSandBox' });
    assert.match(ev.message, /no-such-handler/);
    assert.equal(h.pod('rc-none')?.status?.phase, 'Pending');
    await h.remove('rc-runc.yaml');
    await h.remove('rc-none.yaml');
  });
});
