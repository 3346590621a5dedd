/**
 * The node status loop (syncNodeStatus / tryUpdateNodeStatus): every nodeStatusUpdateFrequency
 * compute the status; PATCH nodes/<name>/status with a two-way strategic merge patch only when
 * something other than heartbeat times changed, or when nodeStatusReportFrequency (with the
 * kubelet's ±50 % spread) has passed since the last report. Five immediate attempts per period.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import { sleep } from '../pods/hooks.js';
import { OnceLogger } from './backoff.js';
import { errorText } from './client.js';
import { NODE_STATUS_STRATEGIES, twoWayMergePatch } from './patch.js';
import { nodeStatus, sameJson, statusChanged, toJson, withRequiredLabels, type NodeFacts, type NodeJson, type RuntimeFacts } from './node-object.js';
import { SMP } from './registration.js';

export const NODE_STATUS_UPDATE_RETRY = 5;
/** The fast start-up path polls this often, and gives up after nodeReadyGracePeriod. */
const FAST_UPDATE_PERIOD_MS = 100;
const NODE_READY_GRACE_MS = 120_000;

export interface StatusOptions {
  core: CoreV1Api;
  facts: NodeFacts;
  probe: () => Promise<RuntimeFacts>;
  reportFrequencyMs: number;
  log: OnceLogger;
  now?: () => number;
  random?: () => number;
  /** After every written status: the Node before, and the status sent (node events come from the difference). */
  onWritten?: (before: NodeJson, written: NodeJson) => void;
}

export type UpdateResult = 'patched' | 'unchanged';

export class NodeStatusReporter {
  /** The Node as last read or written; attempt 0 starts from it (the kubelet's lister copy). */
  node: NodeJson | undefined;
  lastReport = 0;
  lastResult: string | undefined;
  patches = 0;
  private delayMs = 0;

  constructor(private readonly o: StatusOptions) {}

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  get ready(): boolean {
    return this.node?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  }

  /** One period: up to five attempts, then wait for the next. */
  async sync(): Promise<void> {
    let last = '';
    for (let i = 0; i < NODE_STATUS_UPDATE_RETRY; i++) {
      try {
        await this.tryUpdate(i);
        // The last attempt worked (a patch, or nothing to send).
        this.lastResult = 'ok';
        this.o.log.ok('node status updated again');
        return;
      } catch (err) {
        last = errorText(err);
      }
    }
    this.lastResult = `update node status exceeds retry count: ${last}`;
    this.o.log.failed('update node status exceeds retry count', last);
  }

  async tryUpdate(attempt: number): Promise<UpdateResult> {
    const name = this.o.facts.nodeName;
    const old = attempt === 0 && this.node ? this.node : toJson(await this.o.core.readNode({ name }));
    this.node = old;
    const rt = await this.o.probe();
    const now = this.now();
    const updated = withRequiredLabels({ ...old, status: nodeStatus(this.o.facts, rt, old.status, now) }, this.o.facts);
    const changed = statusChanged(old.status, updated.status!) || !sameJson(old.metadata.labels, updated.metadata.labels);
    if (changed || this.lastReport === 0) this.delayMs = this.o.reportFrequencyMs * ((this.o.random ?? Math.random)() - 0.5);
    if (!changed && now - this.lastReport < this.o.reportFrequencyMs + this.delayMs) return 'unchanged';
    // Spec is never the status subresource's to change: only metadata and status differ.
    const patch = twoWayMergePatch(old, { ...updated, spec: old.spec }, NODE_STATUS_STRATEGIES) ?? {};
    this.node = toJson(await this.o.core.patchNodeStatus({ name, body: patch }, SMP));
    this.patches++;
    this.o.onWritten?.(old, updated);
    if (!changed) this.delayMs = 0;
    this.lastReport = now;
    this.lastResult = 'ok';
    return 'patched';
  }

  /**
   * Start-up: poll every 100 ms and patch as soon as the computed Ready is True, so the node
   * turns Ready within a moment of the runtime answering (fastStatusUpdateOnce).
   */
  async fastUpdate(signal: AbortSignal): Promise<void> {
    const start = this.now();
    while (!signal.aborted && !this.ready) {
      if (this.now() - start > NODE_READY_GRACE_MS) {
        this.o.log.failed('Node not becoming ready in time after startup', 'timeout');
        return;
      }
      try {
        const rt = await this.o.probe();
        const old = this.node;
        if (old) {
          const status = nodeStatus(this.o.facts, rt, old.status, this.now());
          if (status.conditions?.find((c) => c.type === 'Ready')?.status === 'True') {
            await this.sync();
            if (this.ready) return;
          }
        }
      } catch {
        /* the regular loop reports failures */
      }
      await sleep(FAST_UPDATE_PERIOD_MS, signal);
    }
  }
}
