/**
 * Which node events a status change means, as the kubelet's node status setters record them:
 * a condition seen for the first time or with a new status gives its event (so every start
 * records the pressure conditions and readiness once), and a boot ID that differs from the one
 * the Node had gives Rebooted. Pure: the caller records what this returns.
 */
import type { CoreEventType } from './types.js';

export interface NodeEvent {
  type: CoreEventType;
  reason: string;
  message: string;
}

interface Condition {
  type: string;
  status: string;
}

/** Condition type → reason when False (the good state) / True; Ready is the other way round. */
const PRESSURE: Record<string, [ok: string, bad: string]> = {
  MemoryPressure: ['NodeHasSufficientMemory', 'NodeHasInsufficientMemory'],
  DiskPressure: ['NodeHasNoDiskPressure', 'NodeHasDiskPressure'],
  PIDPressure: ['NodeHasSufficientPID', 'NodeHasInsufficientPID'],
};

function reasonOf(c: Condition): string | undefined {
  if (c.type === 'Ready') return c.status === 'True' ? 'NodeReady' : 'NodeNotReady';
  const r = PRESSURE[c.type];
  if (!r || (c.status !== 'True' && c.status !== 'False')) return undefined;
  return c.status === 'False' ? r[0] : r[1];
}

export class NodeEventTracker {
  /** The status each condition had when last reported: events only on a change. */
  private readonly seen = new Map<string, string>();

  constructor(private readonly nodeName: string) {}

  /** The events of a status about to be (or just) written. */
  conditions(conditions: readonly Condition[] | undefined): NodeEvent[] {
    const out: NodeEvent[] = [];
    for (const c of conditions ?? []) {
      const reason = reasonOf(c);
      if (!reason || this.seen.get(c.type) === c.status) continue;
      this.seen.set(c.type, c.status);
      out.push({ type: 'Normal', reason, message: `Node ${this.nodeName} status is now: ${reason}` });
    }
    return out;
  }

  /** Rebooted when the Node carried another, non-empty boot ID than the one reported now. */
  boot(previous: string | undefined, current: string | undefined): NodeEvent[] {
    if (!previous || !current || previous === current) return [];
    return [{ type: 'Warning', reason: 'Rebooted', message: `Node ${this.nodeName} has been rebooted, boot id: ${current}` }];
  }
}
