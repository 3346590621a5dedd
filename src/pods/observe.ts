import { isNotFound, managedSelector, POD_UID_LABEL, type PodSandboxStatus, type Runtime } from '../runtime/index.js';
import { sandboxesNewestFirst, type ContainerInstance, type PodRuntimeState } from './instances.js';
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
