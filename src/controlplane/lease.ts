/**
 * The node Lease heartbeat (component-helpers' lease controller as the kubelet runs it): renew
 * every duration × 0.25 from the cached copy, without a GET; fall back to get-or-create with a
 * back-off when that fails; refetch on a conflict. Requests go through the unthrottled client.
 */
import { V1MicroTime, type CoordinationV1Api, type CoreV1Api, type V1Lease } from '@kubernetes/client-node';
import { sleep } from '../pods/hooks.js';
import { jitterUntil, leaseBackoff, OnceLogger } from './backoff.js';
import { errorText, statusCode } from './client.js';

export const LEASE_NAMESPACE = 'kube-node-lease';
export const RENEW_INTERVAL_FRACTION = 0.25;
const MAX_UPDATE_RETRIES = 5;

export interface LeaseOptions {
  coordination: CoordinationV1Api;
  core: CoreV1Api;
  nodeName: string;
  leaseDurationSeconds: number;
  log: OnceLogger;
  now?: () => number;
  /** Called when a renewal works again after failing (the API server is back). */
  onRecovered?: () => void;
}

export class LeaseController {
  private latest: V1Lease | undefined;
  lastRenewal: number | undefined;
  constructor(private readonly o: LeaseOptions) {}

  get renewIntervalMs(): number {
    return this.o.leaseDurationSeconds * RENEW_INTERVAL_FRACTION * 1000;
  }

  run(signal: AbortSignal): Promise<void> {
    return jitterUntil(() => this.sync(signal), this.renewIntervalMs, signal);
  }

  async sync(signal: AbortSignal): Promise<void> {
    try {
      if (this.latest) {
        try {
          await this.retryUpdate(this.latest, signal);
          return;
        } catch (err) {
          this.o.log.failed('failed to update lease using latest lease, fallback to ensure lease', errorText(err));
        }
      }
      const ensured = await this.backoffEnsure(signal);
      if (!ensured) return;
      // A lease just created carries this renewal already.
      if (ensured.created) return;
      await this.retryUpdate(ensured.lease, signal);
    } catch (err) {
      this.o.log.failed('failed to renew lease', errorText(err), { lease: `${LEASE_NAMESPACE}/${this.o.nodeName}` });
    }
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private async withOwner(lease: V1Lease): Promise<V1Lease> {
    if (lease.metadata?.ownerReferences?.length) return lease;
    // The Node owns its Lease, so deleting the Node deletes the Lease (util.SetNodeOwnerFunc).
    const node = await this.o.core.readNode({ name: this.o.nodeName });
    if (!node.metadata?.uid) throw new Error('node has no uid');
    return { ...lease, metadata: { ...lease.metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.o.nodeName, uid: node.metadata.uid }] } };
  }

  private renewed(base: V1Lease): V1Lease {
    return {
      ...base,
      spec: { ...base.spec, holderIdentity: base.spec?.holderIdentity ?? this.o.nodeName, leaseDurationSeconds: this.o.leaseDurationSeconds, renewTime: new V1MicroTime(this.now()) },
    };
  }

  /** GET, or CREATE when missing; retried with a back-off until it works or staticlet stops. */
  private async backoffEnsure(signal: AbortSignal): Promise<{ lease: V1Lease; created: boolean } | undefined> {
    const backoff = leaseBackoff();
    while (!signal.aborted) {
      try {
        const lease = await this.o.coordination.readNamespacedLease({ name: this.o.nodeName, namespace: LEASE_NAMESPACE });
        return { lease, created: false };
      } catch (err) {
        if (statusCode(err) === 404) {
          try {
            const body = await this.withOwner(this.renewed({ metadata: { name: this.o.nodeName, namespace: LEASE_NAMESPACE }, spec: { holderIdentity: this.o.nodeName } }));
            const lease = await this.o.coordination.createNamespacedLease({ namespace: LEASE_NAMESPACE, body });
            this.accepted(lease);
            return { lease, created: true };
          } catch (createErr) {
            this.o.log.failed('failed to create lease; will retry', errorText(createErr));
          }
        } else {
          this.o.log.failed('failed to ensure lease exists; will retry', errorText(err));
        }
      }
      await sleep(backoff.next(), signal);
    }
    return undefined;
  }

  private accepted(lease: V1Lease): void {
    this.latest = lease;
    this.lastRenewal = this.now();
    const recovered = this.o.log.failing !== undefined;
    this.o.log.ok('lease renewed again');
    if (recovered) this.o.onRecovered?.();
  }

  private async retryUpdate(base: V1Lease, signal: AbortSignal): Promise<void> {
    let current = base;
    let last: unknown;
    for (let i = 0; i < MAX_UPDATE_RETRIES && !signal.aborted; i++) {
      try {
        const body = await this.withOwner(this.renewed(current));
        this.accepted(await this.o.coordination.replaceNamespacedLease({ name: this.o.nodeName, namespace: LEASE_NAMESPACE, body }));
        return;
      } catch (err) {
        last = err;
        if (statusCode(err) === 409) {
          const ensured = await this.backoffEnsure(signal);
          if (!ensured) return;
          current = ensured.lease;
        }
      }
    }
    throw new Error(`failed ${MAX_UPDATE_RETRIES} attempts to update lease: ${errorText(last)}`);
  }
}
