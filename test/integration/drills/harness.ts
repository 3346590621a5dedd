/**
 * Fault drills: `staticlet run` as a child process on a private containerd, so it can really be
 * SIGKILLed, plus a model of what its manifest directory asks for and a check of what the runtime
 * and the status socket show against it.
 *
 *   const node = await DrillNode.create(env);
 *   await node.put(pod('p01', 1));
 *   node.spawn();
 *   const view = await node.waitConverged(5_000);
 */
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { fetchStatus } from '../../../src/cli/status-client.js';
import { staticPodUID } from '../../../src/config/identity.js';
import { CriClient, managedSelector, CONTAINER_NAME_LABEL, POD_NAME_LABEL, POD_UID_LABEL, type Container, type PodSandbox } from '../../../src/runtime/index.js';
import { CliProcess } from '../../helpers/cli.js';
import type { ContainerdEnv } from '../../helpers/containerd.js';
import { BUSYBOX } from '../../helpers/supervisor.js';

export const NODE = 'node-1';

/** Small, fast, deterministic: the same seed gives the same drill. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface DrillPod {
  /** Manifest name (the pod is `<name>-node-1`). */
  name: string;
  /** Goes into an env var: a new version is a spec change, so a new UID and new containers. */
  version: number;
  /** Goes into a label: a new value keeps the UID and the containers. */
  label: number;
  containers: string[];
  hostNetwork: boolean;
}

/**
 * A busybox pod whose PID 1 exits on SIGTERM (a plain `sleep` as PID 1 ignores it and every stop
 * would wait the whole grace period).
 */
export function manifestOf(p: DrillPod): string {
  const containers = p.containers
    .map((c) => [
      `  - name: ${c}`,
      `    image: ${BUSYBOX}`,
      `    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]`,
      `    env: [{name: DRILL_VERSION, value: "${p.version}"}]`,
    ].join('\n'))
    .join('\n');
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    `  name: ${p.name}`,
    `  labels: {drill-label: "${p.label}"}`,
    'spec:',
    '  terminationGracePeriodSeconds: 5',
    ...(p.hostNetwork ? ['  hostNetwork: true'] : []),
    '  containers:',
    containers,
    '',
  ].join('\n');
}

export interface View {
  sandboxes: PodSandbox[];
  containers: Container[];
  pods: Pod[];
}

export interface Converged {
  /** Pod UID -> container name -> container ID. */
  containers: Map<string, Map<string, string>>;
  sandboxes: Map<string, string>;
}

export class DrillNode {
  readonly manifests: string;
  readonly root: string;
  proc: CliProcess | undefined;
  /** What the manifest directory holds, by manifest name. */
  readonly desired = new Map<string, DrillPod>();
  /**
   * The most ready sandboxes one pod name had at once, over every look since the last reset:
   * a pod replaced (new UID) must be stopped before its successor runs, and no UID ever has two.
   */
  maxReadyPerName = 0;

  private constructor(
    readonly env: ContainerdEnv,
    readonly dir: string,
    readonly runtime: CriClient,
  ) {
    this.manifests = join(dir, 'manifests');
    this.root = join(dir, 'root');
  }

  static async create(env: ContainerdEnv, name = 'drill'): Promise<DrillNode> {
    const dir = join(env.dir, name);
    await mkdir(join(dir, 'manifests'), { recursive: true });
    // The drill's own client must not lag behind a restarted containerd: it measures the supervisor's.
    return new DrillNode(env, dir, new CriClient({ endpoint: env.endpoint, reconnectBackoffBaseMs: 50, reconnectBackoffMaxMs: 200 }));
  }

  file(name: string): string {
    return join(this.manifests, `${name}.yaml`);
  }

  /** Written whole, then renamed in: the supervisor never reads half a manifest. */
  async put(p: DrillPod): Promise<void> {
    this.desired.set(p.name, p);
    const tmp = join(this.manifests, `.${p.name}.tmp`);
    await writeFile(tmp, manifestOf(p));
    await rename(tmp, this.file(p.name));
  }

  async drop(name: string): Promise<void> {
    this.desired.delete(name);
    await unlink(this.file(name));
  }

  uidOf(p: DrillPod): string {
    return staticPodUID(parse(manifestOf(p)), NODE, { kind: 'file', location: this.file(p.name) });
  }

  spawn(extra: string[] = []): CliProcess {
    this.proc = new CliProcess([
      'run', '--port', '0', '--healthz-port', '0', '--pod-manifest-path', this.manifests, '--container-runtime-endpoint', this.env.endpoint, '--root-dir', this.root,
      '--pod-logs-dir', join(this.dir, 'logs'), '--container-log-links-dir', join(this.dir, 'containers'), '--hostname-override', NODE,
      '--node-ip', '127.0.0.1', '--logging-format', 'json', ...extra,
    ]);
    return this.proc;
  }

  async kill(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (p && p.child.exitCode === null && p.child.signalCode === null) await p.stop('SIGKILL');
  }

  async view(): Promise<View> {
    const labelSelector = managedSelector();
    const [sandboxes, containers, pods] = await Promise.all([
      this.runtime.listPodSandboxes({ labelSelector }),
      this.runtime.listContainers({ labelSelector }),
      fetchStatus<{ items: Pod[] }>(join(this.root, 'staticlet.sock'), '/pods', 1_000).then((l) => l.items, () => undefined),
    ]);
    const ready = new Map<string, number>();
    for (const s of sandboxes) if (s.state === 'ready') ready.set(s.labels[POD_NAME_LABEL] ?? '', (ready.get(s.labels[POD_NAME_LABEL] ?? '') ?? 0) + 1);
    for (const n of ready.values()) this.maxReadyPerName = Math.max(this.maxReadyPerName, n);
    return { sandboxes, containers, pods: pods ?? [] };
  }

  /**
   * Empty when the runtime and the status socket show exactly the desired pods: one ready
   * sandbox per desired UID, one running container per spec container in it, nothing else
   * (no orphan, no duplicate, no leftover instance), and every status Running with no restart.
   * Otherwise what still differs.
   */
  differences(v: View): string[] {
    const want = new Map([...this.desired.values()].map((p) => [this.uidOf(p), p]));
    const out: string[] = [];
    for (const s of v.sandboxes) {
      const uid = s.labels[POD_UID_LABEL] ?? '';
      const p = want.get(uid);
      if (!p) out.push(`orphan sandbox ${s.labels[POD_NAME_LABEL]} ${uid.slice(0, 8)} ${s.state}`);
    }
    for (const c of v.containers) {
      if (!want.has(c.labels[POD_UID_LABEL] ?? '')) out.push(`orphan container ${c.labels[POD_NAME_LABEL]}/${c.labels[CONTAINER_NAME_LABEL]} ${c.state}`);
    }
    for (const [uid, p] of want) {
      const sbs = v.sandboxes.filter((s) => s.labels[POD_UID_LABEL] === uid);
      if (sbs.length !== 1 || sbs[0]!.state !== 'ready') {
        out.push(`${p.name} v${p.version}: ${sbs.length} sandboxes (${sbs.map((s) => s.state).join(',')})`);
        continue;
      }
      const cs = v.containers.filter((c) => c.labels[POD_UID_LABEL] === uid);
      for (const name of p.containers) {
        const mine = cs.filter((c) => c.labels[CONTAINER_NAME_LABEL] === name);
        if (mine.length !== 1 || mine[0]!.state !== 'running' || mine[0]!.podSandboxId !== sbs[0]!.id) {
          out.push(`${p.name}/${name}: ${mine.map((c) => c.state).join(',') || 'no container'}`);
        }
      }
      if (cs.length !== p.containers.length) out.push(`${p.name}: ${cs.length} containers for ${p.containers.length}`);
      const st = v.pods.find((x) => x.metadata?.uid === uid);
      if (!st) out.push(`${p.name}: not in the status`);
      else if (st.status?.phase !== 'Running') out.push(`${p.name}: phase ${st.status?.phase}`);
      else {
        for (const c of st.status.containerStatuses ?? []) {
          const id = cs.find((x) => x.labels[CONTAINER_NAME_LABEL] === c.name)?.id;
          if (!c.state?.running || c.containerID !== `containerd://${id}`) out.push(`${p.name}/${c.name}: status not running the runtime's container`);
          else if (c.restartCount !== 0) out.push(`${p.name}/${c.name}: restartCount ${c.restartCount}`);
        }
      }
    }
    for (const st of v.pods) if (!want.has(st.metadata?.uid ?? '')) out.push(`status still lists ${st.metadata?.name} ${st.metadata?.uid?.slice(0, 8)}`);
    return out;
  }

  /** Polls until converged; rejects with what still differs after `timeoutMs`. */
  async waitConverged(timeoutMs: number, since = Date.now()): Promise<{ ms: number; state: Converged }> {
    let last: string[] = [];
    for (;;) {
      // A containerd that was just started may answer "server is not initialized yet" a while.
      const v = await this.view().catch((err: Error) => err);
      last = v instanceof Error ? [`runtime: ${v.message}`] : this.differences(v);
      if (!(v instanceof Error) && last.length === 0) return { ms: Date.now() - since, state: converged(v) };
      if (Date.now() - since > timeoutMs) {
        throw new Error(`not converged after ${Date.now() - since} ms:\n  ${last.slice(0, 20).join('\n  ')}${last.length > 20 ? `\n  ... ${last.length - 20} more` : ''}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * When the running child reached its start-up milestones, in ms after `since`, and how many
   * of each notable event it logged: where a slow convergence spent its time.
   */
  timeline(since: number): string {
    const lines = this.proc?.lines ?? [];
    const at = (msg: string): string => {
      const l = lines.find((x) => x.msg === msg);
      return l && typeof l.time === 'string' ? String(Date.parse(l.time) - since) : '-';
    };
    const counts = new Map<string, number>();
    for (const l of lines) {
      const key = typeof l.reason === 'string' && l.msg !== 'pod sync failed; will retry' ? l.reason : l.level === 'warn' || l.level === 40 ? String(l.msg) : undefined;
      if (key) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const errors = new Set(lines.filter((l) => l.msg === 'pod sync failed; will retry').map((l) => `${String(l.pod)}: ${String(l.err).slice(0, 160)}`));
    const milestones = ['staticlet starting', 'initial manifests loaded', 'container runtime connected', 'pod manager started'].map((m) => `${m.split(' ').pop()}@${at(m)}`);
    // The pods that acted last, with what they did when: the critical path of the round.
    const perPod = new Map<string, string[]>();
    let last = new Map<string, number>();
    for (const l of lines) {
      if (typeof l.pod !== 'string' || typeof l.time !== 'string') continue;
      const what = typeof l.reason === 'string' ? l.reason : String(l.msg).slice(0, 20);
      const t = Date.parse(l.time) - since;
      perPod.set(l.pod, [...(perPod.get(l.pod) ?? []), `${what}@${t}${typeof l.container === 'string' ? `(${l.container})` : ''}`]);
      last.set(l.pod, t);
    }
    last = new Map([...last].sort((a, b) => b[1] - a[1]).slice(0, 3));
    const slowest = [...last.keys()].map((p) => `\n    ${p}: ${perPod.get(p)!.join(' ')}`).join('');
    return `${milestones.join(' ')}${slowest} | ${[...counts].map(([k, n]) => `${k}:${n}`).join(' ')}${[...errors].map((e) => `\n    ${e}`).join('')}`;
  }

  async close(): Promise<void> {
    await this.kill();
    this.runtime.close();
  }
}

function converged(v: View): Converged {
  const containers = new Map<string, Map<string, string>>();
  const sandboxes = new Map<string, string>();
  for (const s of v.sandboxes) sandboxes.set(s.labels[POD_UID_LABEL] ?? '', s.id);
  for (const c of v.containers) {
    const uid = c.labels[POD_UID_LABEL] ?? '';
    let m = containers.get(uid);
    if (!m) containers.set(uid, (m = new Map()));
    m.set(c.labels[CONTAINER_NAME_LABEL] ?? '', c.id);
  }
  return { containers, sandboxes };
}
