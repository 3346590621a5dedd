import type { Pod } from '../../src/api/generated/core-v1.js';
import { ManifestLoader } from '../../src/config/manifest.js';

/** Node name both sides use; static pod names end in it. */
export const NODE = 'node-1';

/** The benchmark pod: one busybox sleeper on the pod network, quick to stop. */
export function manifestYaml(name: string, namespace: string, image: string): string {
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    'spec:',
    '  terminationGracePeriodSeconds: 1',
    '  containers:',
    '    - name: app',
    `      image: ${image}`,
    '      command: [sleep, "3600"]',
    '',
  ].join('\n');
}

/**
 * The Pod staticlet derives from the same manifest (static identity included), so the bare
 * client sends byte-for-byte equivalent CRI configs; only the UID differs (it hashes the path).
 */
export function loadPod(name: string, namespace: string, image: string, path: string): Pod {
  const r = new ManifestLoader({ nodeName: NODE }).load({ kind: 'file', location: path }, Buffer.from(manifestYaml(name, namespace, image)));
  if (!r.ok || r.pods.length !== 1) throw new Error(`benchmark manifest refused: ${JSON.stringify(r)}`);
  return r.pods[0]!.pod;
}
