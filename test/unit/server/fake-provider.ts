import type { Pod } from '../../../src/api/generated/core-v1.js';
import type { PodEvent } from '../../../src/events/types.js';
import type { RejectionView, StatusProvider } from '../../../src/server/types.js';

/** An in-memory StatusProvider for server and CLI tests. */
export class FakeStatusProvider implements StatusProvider {
  constructor(
    public pods: Pod[] = [],
    public eventsByUid: Record<string, PodEvent[]> = {},
    public rejected: RejectionView[] = [],
  ) {}

  listPods(): Pod[] {
    return this.pods;
  }

  getPod(namespace: string, name: string): Pod | undefined {
    return this.pods.find((p) => (p.metadata?.namespace ?? 'default') === namespace && p.metadata?.name === name);
  }

  events(uid: string): PodEvent[] {
    return this.eventsByUid[uid] ?? [];
  }

  rejections(): RejectionView[] {
    return this.rejected;
  }
}

export function minimalPod(namespace: string, name: string, uid = `uid-${name}`): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace, name, uid },
    spec: { containers: [{ name: 'main', image: 'busybox' }] },
    status: { phase: 'Running' },
  };
}
