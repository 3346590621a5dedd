import type { Pod } from '../../src/api/generated/core-v1.js';
import { ManifestLoader } from '../../src/config/manifest.js';
import { benchPodYaml } from '../lib/manifest.js';

/** Node name both sides use; static pod names end in it. */
export const NODE = 'node-1';

/** The manifests' terminationGracePeriodSeconds (benchPodYaml's). */
export const GRACE_SECONDS = 1;

/**
 * A sleeper that exits on SIGTERM: a bare `sleep` as PID 1 ignores it, so every stop would wait
 * out the grace period and a teardown figure would time the grace timer, not the teardown.
 */
export const TERM_EXITING_SLEEP = `command: [sh, -c, "trap 'exit 0' TERM; sleep 3600 & wait"]`;

/** The benchmark pod: one busybox sleeper on the pod network, quick to stop. */
export function manifestYaml(name: string, namespace: string, image: string): string {
  return benchPodYaml(name, namespace, { name: 'app', image, lines: [TERM_EXITING_SLEEP] });
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
