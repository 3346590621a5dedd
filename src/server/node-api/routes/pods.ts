/**
 * /pods: the static pods with status as a v1 PodList (the kubelet's pod-manager pods), and
 * /runningpods/: the pods the runtime holds, as the kubelet builds them from its runtime cache
 * (name, namespace and UID from the sandbox labels; containers with name and image).
 */
import type { Pod } from '../../../api/generated/core-v1.js';
import { CONTAINER_NAME_LABEL, POD_NAME_LABEL, POD_NAMESPACE_LABEL, POD_UID_LABEL, managedSelector } from '../../../runtime/index.js';
import { sendJson, sendText } from '../http.js';
import type { Route } from '../types.js';

export function podsRoute(): Route {
  return {
    prefix: 'pods',
    methods: ['GET'],
    subpaths: false,
    readOnly: true,
    handle(ctx) {
      sendJson(ctx.res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: ctx.deps.listPods() });
    },
  };
}

export function runningPodsRoute(): Route {
  return {
    prefix: 'runningpods',
    methods: ['GET'],
    subpaths: false,
    debugging: true,
    async handle(ctx) {
      const runtime = ctx.deps.runtime();
      if (!runtime) return sendText(ctx.res, 503, 'the container runtime is not connected yet\n');
      const selector = { labelSelector: managedSelector({}) };
      const [sandboxes, containers] = await Promise.all([runtime.listPodSandboxes({ ...selector, state: 'ready' }), runtime.listContainers(selector)]);
      const pods = new Map<string, Pod>();
      for (const s of sandboxes) {
        const uid = s.labels[POD_UID_LABEL] ?? s.metadata.uid;
        pods.set(s.id, {
          metadata: { name: s.labels[POD_NAME_LABEL] ?? s.metadata.name, namespace: s.labels[POD_NAMESPACE_LABEL] ?? s.metadata.namespace, uid },
          spec: { containers: [] },
          status: {},
        });
      }
      for (const c of containers) {
        if (c.state !== 'running') continue;
        pods.get(c.podSandboxId)?.spec?.containers.push({ name: c.labels[CONTAINER_NAME_LABEL] ?? c.metadata.name, image: c.image });
      }
      sendJson(ctx.res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [...pods.values()] });
    },
  };
}
