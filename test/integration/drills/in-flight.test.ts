/**
 * Drills: a supervisor dies with runtime calls in flight, deterministically.
 *
 * Between CreateContainer and StartContainer: the first supervisor runs in-process on a runtime
 * that freezes at a chosen StartContainer; from then on none of its runtime calls ever answers,
 * as if it had been SIGKILLed there. A second supervisor on the same directories must start
 * that container as the same attempt: one instance, restartCount 0, nothing left behind.
 *
 * During RunPodSandbox: containerd goes on with a call whose caller died, and holds the
 * sandbox's name meanwhile; the successor's own call for the same sandbox is refused ("name is
 * reserved") until that call ends. That is no failure of the pod: no crash back-off.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { CONTAINER_NAME_LABEL, CONTAINER_RESTART_COUNT_ANNOTATION, fromGrpcError, type PodSandboxConfig, type RuntimeClient } from '../../../src/runtime/index.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { BUSYBOX, cs, manifest, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

/**
 * A runtime that behaves until `freezeAt` says so for a StartContainer; that call, and every call
 * after it, never settles. thaw() fails them all, so the frozen supervisor can be stopped.
 */
class FreezingRuntime {
  frozen = false;
  private dead = false;
  private readonly pending: Array<(err: Error) => void> = [];
  private reached!: () => void;
  /** Settles once the runtime froze. */
  readonly froze = new Promise<void>((r) => (this.reached = r));

  constructor(private readonly freezeAt: (rt: RuntimeClient, containerId: string) => Promise<boolean>) {}

  wrap(rt: RuntimeClient): RuntimeClient {
    const hang = (): Promise<never> => new Promise<never>((_, reject) => this.pending.push(reject));
    return new Proxy(rt, {
      get: (target, prop, receiver) => {
        const v: unknown = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function' || prop === 'close') return v;
        return async (...args: unknown[]): Promise<unknown> => {
          if (this.dead) throw new Error('drill: this supervisor is dead');
          if (this.frozen) return hang();
          if (prop === 'startContainer' && (await this.freezeAt(target, String(args[0])))) {
            this.frozen = true;
            this.reached();
            return hang();
          }
          return (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
  }

  thaw(): void {
    this.dead = true;
    for (const reject of this.pending.splice(0)) reject(new Error('drill: this supervisor is dead'));
  }
}

describe('drill: a supervisor dies with runtime calls in flight', { timeout: 110_000 }, () => {
  let env: ContainerdEnv;
  const cleanups: Array<() => Promise<void>> = [];
  before(async () => {
    env = await startContainerd();
  });
  // Every supervisor owns all of the runtime's pods: one left running would take the next
  // test's pods for orphans, and the next one would stop this test's pods (at their grace
  // period's pace). So each test's supervisors and pods go when it ends.
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    await env.removeAllPods();
  });
  after(async () => {
    await env?.down();
  });

  /** The dead supervisor: frozen at `freezeAt`, then left alone (it is stopped at the end). */
  async function dieAt(name: string, spec: string, freezeAt: (rt: RuntimeClient, id: string) => Promise<boolean>): Promise<SupervisorHarness> {
    const rt = new FreezingRuntime(freezeAt);
    const h = await startSupervisor(env, { wrapRuntime: (r) => rt.wrap(r), crashBackoffBaseMs: 10_000 });
    // Its status socket stays bound; the successor serves its own.
    cleanups.push(async () => {
      rt.thaw();
      await h.stop();
    });
    await h.write(`${name}.yaml`, manifest(name, spec));
    await rt.froze;
    return h;
  }

  async function successor(dead: SupervisorHarness, wrapRuntime?: (rt: RuntimeClient) => RuntimeClient): Promise<SupervisorHarness> {
    const h = await startSupervisor(env, { dir: dead.dir, settings: { statusSocket: join(dead.dir, 'successor.sock') }, crashBackoffBaseMs: 10_000, ...(wrapRuntime ? { wrapRuntime } : {}) });
    cleanups.push(() => h.stop());
    return h;
  }

  const twoContainers = `  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: a, image: ${BUSYBOX}, command: [sleep, "3600"]}\n  - {name: b, image: ${BUSYBOX}, command: [sleep, "3600"]}\n`;

  test('a container left CREATED is started as attempt 0; its running sibling is kept', async () => {
    const dead = await dieAt('gap', twoContainers, async (rt, id) => (await rt.containerStatus(id)).metadata.name === 'b');
    const uid = dead.pod('gap')!.metadata!.uid!;
    const left = (await dead.objects(uid)).containers;
    const a = left.find((c) => c.labels[CONTAINER_NAME_LABEL] === 'a')!;
    assert.deepEqual(left.map((c) => `${c.labels[CONTAINER_NAME_LABEL]}:${c.state}`).sort(), ['a:running', 'b:created']);

    const h = await successor(dead);
    const pod = await h.waitPod('gap', (p) => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.state?.running));
    await settle(h);
    const { containers } = await h.objects(uid);
    assert.deepEqual(containers.map((c) => `${c.labels[CONTAINER_NAME_LABEL]}:${c.state}:${c.metadata.attempt}:${c.annotations[CONTAINER_RESTART_COUNT_ANNOTATION]}`).sort(), ['a:running:0:0', 'b:running:0:0']);
    assert.equal(containers.find((c) => c.labels[CONTAINER_NAME_LABEL] === 'a')!.id, a.id, 'the running sibling is not restarted');
    assertNoRestarts(h.pod('gap') ?? pod);
  });

  test('a StartContainer cut short (StartError, never ran) is made again as attempt 0, not counted', async () => {
    const dead = await dieAt('cut', `  containers:\n  - {name: main, image: ${BUSYBOX}, command: [sleep, "3600"]}\n`, async (rt, id) => {
      // The call reaches containerd and is cancelled half-way, as when its caller dies: containerd
      // then marks the container exited (StartError) without a start time.
      await rt.startContainer(id, { timeoutMs: 10 }).catch(() => undefined);
      return true;
    });
    const uid = dead.pod('cut')!.metadata!.uid!;
    const [left] = (await dead.objects(uid)).containers;
    const st = await dead.runtime.containerStatus(left!.id);
    assert.ok(st.state === 'created' || (st.state === 'exited' && st.startedAt === 0), `never started: ${st.state} ${st.reason} startedAt=${st.startedAt}`);

    const h = await successor(dead);
    await h.waitPod('cut', (p) => p.status?.phase === 'Running' && cs(p, 'main')?.state?.running !== undefined);
    await settle(h);
    const { containers } = await h.objects(uid);
    assert.deepEqual(containers.map((c) => `${c.state}:${c.metadata.attempt}:${c.annotations[CONTAINER_RESTART_COUNT_ANNOTATION]}`), ['running:0:0']);
    assert.notEqual(containers[0]!.id, left!.id);
    assertNoRestarts(h.pod('cut')!);
    // One log file, for attempt 0: nothing suggests that an attempt ran before.
    const logs = await readdir(join(h.settings.podLogsDir, `default_cut-node-1_${uid}`, 'main'));
    assert.deepEqual(logs, ['0.log']);
  });

  test('one whose task containerd kept after a cut-short start (RemoveContainer refused for ever) is cleared and made again', async () => {
    // containerd 1.6 sometimes keeps the task of a StartContainer cut short while it created the
    // task: CRI says exited (StartError, never started), but every RemoveContainer answers
    // "cannot delete running task" (one round in a hundred of the SIGKILL churn drill). Planted
    // here with containerd's own client: a task made behind CRI's back, then CRI's start fails.
    const dead = await dieAt('kept', `  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: main, image: ${BUSYBOX}, command: [sleep, "3600"]}\n`, async (rt, id) => {
      await execFileP('ctr', ['-a', env.socket, '-n', 'k8s.io', 'tasks', 'start', '--detach', '--null-io', id]);
      await rt.startContainer(id).catch(() => undefined);
      return true;
    });
    const uid = dead.pod('kept')!.metadata!.uid!;
    const [left] = (await dead.objects(uid)).containers;
    const st = await dead.runtime.containerStatus(left!.id);
    assert.ok(st.state === 'exited' && st.startedAt === 0, `never started: ${st.state} ${st.reason}`);
    const tasks = async () => (await execFileP('ctr', ['-a', env.socket, '-n', 'k8s.io', 'tasks', 'list', '--quiet'])).stdout;
    assert.ok((await tasks()).includes(left!.id), 'containerd holds a task for it');

    const h = await successor(dead);
    await h.waitPod('kept', (p) => p.status?.phase === 'Running' && cs(p, 'main')?.state?.running !== undefined, 15_000);
    await settle(h);
    const { containers } = await h.objects(uid);
    assert.deepEqual(containers.map((c) => `${c.state}:${c.metadata.attempt}:${c.annotations[CONTAINER_RESTART_COUNT_ANNOTATION]}`), ['running:0:0']);
    assert.notEqual(containers[0]!.id, left!.id);
    assertNoRestarts(h.pod('kept')!);
    // The planted task went with its container: only the sandbox's and the new container's remain.
    assert.ok(!(await tasks()).includes(left!.id), 'the kept task is gone');
  });

  test('one that containerd will not let go of yet (still starting it) holds back itself only', async () => {
    const dead = await dieAt('slow', twoContainers, async () => true);
    const uid = dead.pod('slow')!.metadata!.uid!;
    const [left] = (await dead.objects(uid)).containers;
    assert.equal(left?.labels[CONTAINER_NAME_LABEL], 'a');
    // What containerd answers while it still cleans up after a start whose caller died.
    let refusals = 0;
    const until = Date.now() + 1_500;
    const h = await successor(dead, (rt) =>
      new Proxy(rt, {
        get: (target, prop, receiver) => {
          if (prop !== 'removeContainer') return Reflect.get(target, prop, receiver);
          return (id: string) => {
            if (id !== left!.id || Date.now() > until) return target.removeContainer(id);
            refusals++;
            return Promise.reject(fromGrpcError('RemoveContainer', Object.assign(new Error('2 UNKNOWN'), { code: 2, details: `failed to set removing state for container "${id}": container is in starting state, can't be removed` })));
          };
        },
      }),
    );
    const waiting = await h.waitPod('slow', (p) => cs(p, 'b')?.state?.running !== undefined && cs(p, 'a')?.state?.waiting !== undefined);
    assert.equal(cs(waiting, 'a')!.state!.waiting!.reason, 'CreateContainerError');
    await h.waitPod('slow', (p) => (p.status?.containerStatuses ?? []).every((c) => c.state?.running));
    assert.ok(refusals > 1, `refused ${refusals} times`);
    const { containers } = await h.objects(uid);
    assert.deepEqual(containers.map((c) => `${c.labels[CONTAINER_NAME_LABEL]}:${c.state}:${c.metadata.attempt}`).sort(), ['a:running:0', 'b:running:0']);
    assertNoRestarts(h.pod('slow')!);
  });

  test('a RunPodSandbox the dead supervisor left running holds the name: its successor retries soon, without crash back-off', async () => {
    let ghost: Promise<unknown> | undefined;
    const h = await startSupervisor(env, {
      // The default crash back-off (10 s): waiting it out would fail the deadline below.
      wrapRuntime: (rt) =>
        new Proxy(rt, {
          get: (target, prop, receiver) => {
            if (prop !== 'runPodSandbox') return Reflect.get(target, prop, receiver);
            return async (cfg: PodSandboxConfig, handler?: string) => {
              if (!ghost) {
                // The dead supervisor's call for the same sandbox (same name and attempt). It
                // fails late, after the network is set up (runc refuses the sysctl), and holds
                // the name until then, as a call cut short does while containerd cleans up.
                const doomed: PodSandboxConfig = { ...cfg, linux: { ...cfg.linux, sysctls: { 'net.ipv4.staticlet_no_such_sysctl': '1' } } };
                ghost = target.runPodSandbox(doomed, handler).then(() => 'created', (err: Error) => err.message);
                await new Promise((r) => setTimeout(r, 30));
              }
              return target.runPodSandbox(cfg, handler);
            };
          },
        }),
    });
    cleanups.push(() => h.stop());
    const started = Date.now();
    await h.write('held.yaml', manifest('held', `  containers:
  - {name: main, image: ${BUSYBOX}, command: [sleep, "3600"]}
`));
    const pod = await h.waitPod('held', (p) => cs(p, 'main')?.state?.running !== undefined, 5_000);
    assert.ok(Date.now() - started < 5_000);
    assert.match(String(await ghost), /sysctl|staticlet_no_such_sysctl|OCI runtime/);
    const events = h.sup.events(pod.metadata!.uid!);
    assert.ok(events.some((e) => e.reason === 'FailedCreatePodSandBox' && /reserved/.test(e.message)), 'the successor met the reserved name');
    const { sandboxes } = await h.objects(pod.metadata!.uid!);
    assert.deepEqual(sandboxes.map((s) => s.state), ['ready']);
    assertNoRestarts(pod);
  });
});

const execFileP = promisify(execFile);

/** Several relists and syncs: time for a wrong second instance or restart to show. */
async function settle(h: SupervisorHarness): Promise<void> {
  await new Promise((r) => setTimeout(r, 1_500));
  assert.ok(h.sup.listPods().length > 0);
}

function assertNoRestarts(p: Pod): void {
  for (const c of p.status?.containerStatuses ?? []) {
    assert.equal(c.restartCount, 0, `${c.name} restartCount`);
    assert.equal(c.lastState?.terminated, undefined, `${c.name} has no last state`);
  }
}
