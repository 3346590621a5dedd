import { isNotFound, managedSelector, POD_UID_LABEL, type PodSandboxStatus, type Runtime } from '../runtime/index.js';
import { Limiter } from '../lib/limiter.js';
import { sandboxesNewestFirst, type ContainerInstance, type PodRuntimeState } from './instances.js';
import { Relister } from './relist.js';
import { terminationMessage } from './termination.js';

/**
 * Everything the runtime holds for one pod UID. Only the newest sandbox's status is fetched
 * (its IP matters); older ones only need their state, which the listing has.
 */
export async function observePod(runtime: Runtime, uid: string): Promise<PodRuntimeState> {
  const labelSelector = managedSelector({ [POD_UID_LABEL]: uid });
  const [sandboxList, containerList] = await Promise.all([runtime.listPodSandboxes({ labelSelector }), runtime.listContainers({ labelSelector })]);
  const listed = sandboxesNewestFirst(sandboxList.map((s) => ({ ...s, ip: '', additionalIps: [] })));
  const sandboxes: PodSandboxStatus[] = [];
  for (const [i, s] of listed.entries()) {
    if (i > 0) {
      sandboxes.push(s);
      continue;
    }
    const st = await gone(runtime.podSandboxStatus(s.id));
    if (st) sandboxes.push(st);
  }
  const statuses = await Promise.all(
    containerList.map(async (c) => {
      const st = await gone(runtime.containerStatus(c.id));
      if (!st) return undefined;
      // As the kubelet: what the application wrote is appended to the runtime's own message.
      const written = await terminationMessage(st);
      const message = written === '' ? st.message : st.message === '' ? written : `${st.message}: ${written}`;
      return { ...st, message, podSandboxId: c.podSandboxId } satisfies ContainerInstance;
    }),
  );
  return { sandboxes, containers: statuses.filter((c): c is ContainerInstance => c !== undefined) };
}

/** Objects can vanish between the listing and the status call; that is not an error. */
async function gone<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** A pod's runtime state and the relist fingerprint it was observed under. */
export interface Observation {
  fingerprint: string;
  state: PodRuntimeState;
}

/**
 * Every pod UID the runtime holds, observed ahead of the pod manager's start: a restarted
 * supervisor does it while it reads and validates its manifests, so its first syncs need not
 * observe 30 pods at once before anything else. An entry stands in for a worker's first
 * observation only while the relist still gives the fingerprint it was taken under: objects
 * only move forward (created, running, exited; ready, not ready) and never come back, so an
 * equal fingerprint means nothing changed in between.
 */
export async function observeAll(runtime: Runtime, concurrency: number): Promise<Map<string, Observation>> {
  const relister = new Relister(runtime);
  const { pods } = await relister.relist();
  const limiter = new Limiter(concurrency);
  const out = new Map<string, Observation>();
  await Promise.all(
    [...pods.keys()].map((uid) =>
      limiter.run(async () => {
        const fingerprint = relister.fingerprint(uid);
        if (fingerprint !== undefined) out.set(uid, { fingerprint, state: await observePod(runtime, uid) });
      }),
    ),
  );
  return out;
}
