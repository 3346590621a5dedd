import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { healthService, type HealthCheckRequest, type HealthCheckResponse } from '../../../src/probes/handlers/health-proto.js';
import type { ContainerdEnv } from '../../helpers/containerd.js';
import { eventually } from '../../helpers/manifests.js';
import { BUSYBOX, condition, cs, manifest, withSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

/** busybox httpd serving /www, with a CGI script answering 500 and a directory (301 to dir/). */
const HTTPD = `mkdir -p /www/cgi-bin /www/dir && echo ok > /www/index.html && echo ok > /www/dir/index.html && printf '#!/bin/sh\\\\necho Status: 500 Boom\\\\necho\\\\necho fail\\\\n' > /www/cgi-bin/fail && chmod +x /www/cgi-bin/fail && exec httpd -f -p PORT -h /www`;

function httpPod(name: string, port: number, hostNetwork: boolean, probes: string): string {
  return manifest(name, [
    '  terminationGracePeriodSeconds: 1',
    ...(hostNetwork ? ['  hostNetwork: true'] : []),
    '  containers:',
    '  - name: web',
    `    image: ${BUSYBOX}`,
    `    command: [sh, -c, "${HTTPD.replace('PORT', String(port))}"]`,
    `    ports: [{name: http, containerPort: ${port}}]`,
    probes,
    '',
  ].join('\n'));
}

const readiness = (action: string): string => `    readinessProbe: {${action}, periodSeconds: 1, failureThreshold: 1}`;

describe('probes against containerd', () => {
  let env: ContainerdEnv;
  let h: SupervisorHarness;
  let shared: string;
  withSupervisor({ crashBackoffBaseMs: 1_000 }, async (x, e) => {
    h = x;
    env = e;
    shared = await mkdtemp(join(env.dir, 'probe-'));
  });

  const ready = (p: Pod): boolean => condition(p, 'Ready') === 'True';
  const notReady = (p: Pod): boolean => p.status?.phase === 'Running' && condition(p, 'Ready') === 'False';

  for (const hostNetwork of [false, true]) {
    const where = hostNetwork ? 'host-network' : 'pod-network';
    test(`httpGet in a ${where} pod: 200 and a same-host redirect succeed, 500 fails; named ports`, async () => {
      const port = hostNetwork ? 18080 : 8080;
      const cases: Array<[string, string, boolean]> = [
        ['ok', 'httpGet: {path: /index.html, port: http}', true],
        ['redirect', `httpGet: {path: /dir, port: ${port}}`, true],
        ['fail', 'httpGet: {path: /cgi-bin/fail, port: http}', false],
      ];
      for (const [suffix, action, expectReady] of cases) {
        const name = `http-${suffix}-${hostNetwork ? 'h' : 'p'}`;
        await h.write(`${name}.yaml`, httpPod(name, port, hostNetwork, readiness(action)));
        const p = await h.waitPod(name, expectReady ? ready : notReady);
        if (!expectReady) {
          await eventually(() => h.sup.events(p.metadata!.uid!).find((e) => e.reason === 'Unhealthy'), { what: 'Unhealthy event' }).then((e) =>
            assert.equal(e.message, 'Readiness probe failed: HTTP probe failed with statuscode: 500'),
          );
          assert.equal(cs(p, 'web')?.ready, false);
        }
        await h.remove(`${name}.yaml`);
        await eventually(() => h.pod(name) === undefined, { timeoutMs: 15_000, what: `${name} removed` });
      }
    });
  }

  test('tcpSocket: an open port is ready, a closed one is not', async () => {
    await h.write('tcp-open.yaml', httpPod('tcp-open', 8080, false, readiness('tcpSocket: {port: 8080}')));
    await h.write('tcp-closed.yaml', httpPod('tcp-closed', 8080, false, readiness('tcpSocket: {port: 8081}')));
    await h.waitPod('tcp-open', ready);
    const closed = await h.waitPod('tcp-closed', notReady);
    await eventually(() => h.sup.events(closed.metadata!.uid!).find((e) => e.reason === 'Unhealthy'), { what: 'Unhealthy event' });
    await h.remove('tcp-open.yaml');
    await h.remove('tcp-closed.yaml');
  });

  test('exec: exit 0 is ready, exit 1 is not, a command past its timeout fails', async () => {
    const pod = (name: string, cmd: string) =>
      manifest(name, `  terminationGracePeriodSeconds: 1\n  containers:\n  - name: app\n    image: ${BUSYBOX}\n    command: [sleep, "3600"]\n    readinessProbe: {exec: {command: [sh, -c, "${cmd}"]}, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1}\n`);
    await h.write('exec-ok.yaml', pod('exec-ok', 'exit 0'));
    await h.write('exec-fail.yaml', pod('exec-fail', 'exit 1'));
    await h.write('exec-slow.yaml', pod('exec-slow', 'sleep 5'));
    await h.waitPod('exec-ok', ready);
    const failed = await h.waitPod('exec-fail', notReady);
    const slow = await h.waitPod('exec-slow', notReady);
    await eventually(() => h.sup.events(failed.metadata!.uid!).find((e) => e.reason === 'Unhealthy'), { what: 'exec failure event' });
    const timeout = await eventually(() => h.sup.events(slow.metadata!.uid!).find((e) => e.reason === 'Unhealthy'), { timeoutMs: 10_000, what: 'exec timeout event' });
    assert.match(timeout.message, /timed out/);
    for (const f of ['exec-ok', 'exec-fail', 'exec-slow']) await h.remove(`${f}.yaml`);
  });

  test('readiness flips the Ready condition both ways without restarting anything', async () => {
    const dir = await mkdtemp(join(shared, 'ready-'));
    await h.write('flip.yaml', manifest('flip', [
      '  terminationGracePeriodSeconds: 1',
      '  containers:',
      `  - {name: app, image: ${BUSYBOX}, command: [sleep, "3600"], volumeMounts: [{name: s, mountPath: /s}],`,
      '     readinessProbe: {exec: {command: [test, -f, /s/ready]}, periodSeconds: 1, failureThreshold: 1}}',
      `  volumes: [{name: s, hostPath: {path: ${dir}, type: Directory}}]`,
      '',
    ].join('\n')));
    const first = await h.waitPod('flip', notReady);
    assert.equal(condition(first, 'ContainersReady'), 'False');
    await writeFile(join(dir, 'ready'), '');
    const up = await h.waitPod('flip', ready);
    assert.equal(condition(up, 'ContainersReady'), 'True');
    await rm(join(dir, 'ready'));
    const down = await h.waitPod('flip', notReady);
    assert.equal(cs(down, 'app')?.restartCount, 0);
    assert.equal(cs(down, 'app')?.containerID, cs(first, 'app')?.containerID);
    await h.remove('flip.yaml');
  });

  test('liveness: restarted after exactly failureThreshold failures, restartCount increments', async () => {
    const dir = await mkdtemp(join(shared, 'live-'));
    await writeFile(join(dir, 'healthy'), '');
    // Each attempt appends its verdict, so the test can time every probe from the host.
    const check = 'if test -f /s/healthy; then echo ok >> /s/log; else echo fail >> /s/log; exit 1; fi';
    await h.write('live.yaml', manifest('live', [
      '  terminationGracePeriodSeconds: 1',
      '  containers:',
      `  - {name: app, image: ${BUSYBOX}, command: [sh, -c, "trap 'exit 0' TERM; while true; do sleep 0.1; done"], volumeMounts: [{name: s, mountPath: /s}],`,
      `     livenessProbe: {exec: {command: [sh, -c, "${check}"]}, periodSeconds: 1, failureThreshold: 3}}`,
      `  volumes: [{name: s, hostPath: {path: ${dir}, type: Directory}}]`,
      '',
    ].join('\n')));
    const p = await h.waitPod('live', (x) => cs(x, 'app')?.state?.running !== undefined);
    const id = cs(p, 'app')!.containerID!.replace(/^containerd:\/\//, '');
    const seen: Array<{ line: string; at: number }> = [];
    const watch = setInterval(() => {
      void readFile(join(dir, 'log'), 'utf8').then((text) => {
        const lines = text.split('\n').filter(Boolean);
        for (let i = seen.length; i < lines.length; i++) seen.push({ line: lines[i]!, at: Date.now() });
      }, () => undefined);
    }, 10);
    try {
      await eventually(() => seen.length >= 2, { timeoutMs: 10_000, what: 'two passing probes' });
      // Fail right after a passing attempt, so the next attempt is the first failure.
      await eventually(() => seen.length >= 3, { timeoutMs: 3_000, intervalMs: 5, what: 'a third passing probe' });
      await rm(join(dir, 'healthy'));
      const lastOk = seen[seen.length - 1]!.at;
      const killedAt = await eventually(async () => {
        const st = await h.runtime.containerStatus(id);
        return st.state === 'exited' ? st.finishedAt : undefined;
      }, { timeoutMs: 10_000, intervalMs: 20, what: 'liveness kill' });
      const elapsed = killedAt - lastOk;
      assert.ok(elapsed >= 2_700 && elapsed <= 4_000, `killed ${elapsed} ms after the last passing probe (period 1 s x threshold 3)`);
      const failures = seen.filter((x) => x.line === 'fail' && x.at <= killedAt + 50).length;
      assert.equal(failures, 3, 'exactly failureThreshold failures before the kill');
    } finally {
      clearInterval(watch);
    }
    await writeFile(join(dir, 'healthy'), '');
    const restarted = await h.waitPod('live', (x) => cs(x, 'app')?.restartCount === 1 && cs(x, 'app')?.state?.running !== undefined);
    assert.equal(cs(restarted, 'app')?.lastState?.terminated?.exitCode, 0);
    const events = h.sup.events(p.metadata!.uid!);
    assert.ok(events.some((e) => e.reason === 'Killing' && e.message === 'Container app failed liveness probe, will be restarted'), JSON.stringify(events));
    assert.ok(events.some((e) => e.reason === 'Unhealthy' && e.message.startsWith('Liveness probe failed:')));
    await h.remove('live.yaml');
  });

  test('a startup probe holds liveness back until it succeeds; one that never succeeds kills the container', async () => {
    const dir = await mkdtemp(join(shared, 'startup-'));
    await h.write('gated.yaml', manifest('gated', [
      '  terminationGracePeriodSeconds: 1',
      '  containers:',
      `  - {name: app, image: ${BUSYBOX}, command: [sleep, "3600"], volumeMounts: [{name: s, mountPath: /s}],`,
      '     startupProbe: {exec: {command: [test, -f, /s/started]}, periodSeconds: 1, failureThreshold: 60},',
      '     livenessProbe: {exec: {command: ["false"]}, periodSeconds: 1, failureThreshold: 1}}',
      `  volumes: [{name: s, hostPath: {path: ${dir}, type: Directory}}]`,
      '',
    ].join('\n')));
    const p = await h.waitPod('gated', (x) => cs(x, 'app')?.state?.running !== undefined);
    await new Promise((r) => setTimeout(r, 3_000));
    const waiting = h.pod('gated')!;
    assert.equal(cs(waiting, 'app')?.restartCount, 0, 'liveness does not run before startup succeeds');
    assert.equal(cs(waiting, 'app')?.started, false);
    await writeFile(join(dir, 'started'), '');
    await h.waitPod('gated', (x) => (cs(x, 'app')?.restartCount ?? 0) >= 1, 15_000);
    assert.ok(h.sup.events(p.metadata!.uid!).some((e) => e.message === 'Container app failed liveness probe, will be restarted'));
    await h.remove('gated.yaml');

    await h.write('nostart.yaml', manifest('nostart', [
      '  terminationGracePeriodSeconds: 1',
      '  containers:',
      `  - {name: app, image: ${BUSYBOX}, command: [sleep, "3600"], startupProbe: {exec: {command: ["false"]}, periodSeconds: 1, failureThreshold: 2}}`,
      '',
    ].join('\n')));
    const ns = await h.waitPod('nostart', (x) => (cs(x, 'app')?.restartCount ?? 0) >= 1, 15_000);
    assert.ok(h.sup.events(ns.metadata!.uid!).some((e) => e.message === 'Container app failed startup probe, will be restarted'));
    await h.remove('nostart.yaml');
  });

  test('grpc: SERVING is ready; NOT_SERVING and a server without the health service are not', async () => {
    const health = new Server();
    health.addService(healthService().service, {
      Check: (call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, cb: sendUnaryData<HealthCheckResponse>) =>
        cb(null, { status: call.request.service === 'down' ? 'NOT_SERVING' : 'SERVING' }),
    });
    const bare = new Server();
    const bind = (srv: Server): Promise<number> =>
      new Promise((resolve, reject) => srv.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));
    const [port, barePort] = [await bind(health), await bind(bare)];
    try {
      const pod = (name: string, grpc: string) =>
        manifest(name, `  hostNetwork: true\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: app\n    image: ${BUSYBOX}\n    command: [sleep, "3600"]\n    readinessProbe: {grpc: ${grpc}, periodSeconds: 1, failureThreshold: 1}\n`);
      await h.write('grpc-ok.yaml', pod('grpc-ok', `{port: ${port}}`));
      await h.write('grpc-down.yaml', pod('grpc-down', `{port: ${port}, service: down}`));
      await h.write('grpc-bare.yaml', pod('grpc-bare', `{port: ${barePort}}`));
      await h.waitPod('grpc-ok', ready);
      const down = await h.waitPod('grpc-down', notReady);
      const unimpl = await h.waitPod('grpc-bare', notReady);
      const msg = async (p: Pod) => (await eventually(() => h.sup.events(p.metadata!.uid!).find((e) => e.reason === 'Unhealthy'), { what: 'grpc event' })).message;
      assert.equal(await msg(down), 'Readiness probe failed: service unhealthy (responded with "NOT_SERVING")');
      assert.match(await msg(unimpl), /does not implement the grpc health protocol/);
      for (const f of ['grpc-ok', 'grpc-down', 'grpc-bare']) await h.remove(`${f}.yaml`);
      for (const f of ['grpc-ok', 'grpc-down', 'grpc-bare']) await eventually(() => h.pod(f) === undefined, { timeoutMs: 15_000, what: `${f} removed` });
    } finally {
      health.forceShutdown();
      bare.forceShutdown();
    }
  });
});
