import { managedSelector, POD_NAME_LABEL, POD_NAMESPACE_LABEL, POD_UID_LABEL, type Runtime } from '../runtime/index.js';
import type { PodRef } from './kill.js';

/**
 * The kubelet's PLEG in its simplest, level-triggered form: list everything staticlet owns,
 * fingerprint each pod UID by its objects and their states, and report the UIDs whose
 * fingerprint moved. A lost event can only delay a wake until the next relist.
 */
export interface RelistResult {
  /** Every UID the runtime holds, with what its labels say about the pod. */
  pods: Map<string, PodRef>;
  /** UIDs whose sandboxes or containers appeared, vanished or changed state. */
  changed: Set<string>;
}

/** What the last relist counted, for kubelet_running_pods / kubelet_running_containers. */
export interface RelistCounts {
  /** Pod UIDs with a ready sandbox. */
  runningPods: number;
  /** Containers by CRI state. */
  containers: Record<string, number>;
}

export class Relister {
  private last = new Map<string, string>();
  /** Counted while listing anyway, so a scrape costs no runtime call. */
  counts: RelistCounts = { runningPods: 0, containers: {} };

  constructor(private readonly runtime: Runtime) {}

  /** The UID's fingerprint as of the last relist; undefined when it held nothing for it. */
  fingerprint(uid: string): string | undefined {
    return this.last.get(uid);
  }

  async relist(): Promise<RelistResult> {
    const selector = { labelSelector: managedSelector() };
    const [sandboxes, containers] = await Promise.all([this.runtime.listPodSandboxBriefs(selector), this.runtime.listContainerBriefs(selector)]);
    const parts = new Map<string, string[]>();
    const pods = new Map<string, PodRef>();
    const add = (labels: Record<string, string>, entry: string): void => {
      const uid = labels[POD_UID_LABEL];
      if (!uid) return;
      if (!pods.has(uid)) pods.set(uid, { uid, name: labels[POD_NAME_LABEL] ?? '', namespace: labels[POD_NAMESPACE_LABEL] ?? '' });
      const list = parts.get(uid);
      if (list) list.push(entry);
      else parts.set(uid, [entry]);
    };
    const ready = new Set<string>();
    const byState: Record<string, number> = {};
    for (const s of sandboxes) {
      add(s.labels, `s:${s.id}:${s.state}`);
      const uid = s.labels[POD_UID_LABEL];
      if (uid && s.state === 'ready') ready.add(uid);
    }
    for (const c of containers) {
      add(c.labels, `c:${c.id}:${c.state}`);
      byState[c.state] = (byState[c.state] ?? 0) + 1;
    }
    this.counts = { runningPods: ready.size, containers: byState };
    const next = new Map<string, string>();
    for (const [uid, list] of parts) next.set(uid, list.sort().join(','));
    const changed = new Set<string>();
    for (const [uid, fp] of next) if (this.last.get(uid) !== fp) changed.add(uid);
    for (const uid of this.last.keys()) if (!next.has(uid)) changed.add(uid);
    this.last = next;
    return { pods, changed };
  }
}
