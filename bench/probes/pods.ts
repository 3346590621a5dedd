import type { Pod } from '../../src/api/generated/core-v1.js';
import { benchPodYaml } from '../lib/manifest.js';

import { NODE } from '../lifecycle/pods.js';

export { NODE };
/** Every benchmark pod lives here, so teardown can select them by label. */
export const NAMESPACE = 'probes';

export type PodKind = 'web' | 'exec';

export interface BenchPod {
  name: string;
  kind: PodKind;
  yaml: string;
}

/**
 * A busybox httpd on the pod network, probed from the node: readiness httpGet / and liveness
 * tcpSocket on 8080, both every second (timeout 1 s, failureThreshold 3: the defaults).
 */
function webYaml(name: string, image: string, periodSeconds: number): string {
  return benchPodYaml(name, NAMESPACE, {
    name: 'web',
    image,
    lines: [
      'command: [sh, -c, "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"]',
      'ports: [{name: http, containerPort: 8080}]',
      `readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: ${periodSeconds}}`,
      `livenessProbe: {tcpSocket: {port: 8080}, periodSeconds: ${periodSeconds}}`,
    ],
  });
}

/** A sleeper whose liveness and readiness are ExecSync calls through the runtime. */
function execYaml(name: string, image: string, periodSeconds: number): string {
  return benchPodYaml(name, NAMESPACE, {
    name: 'app',
    image,
    lines: [
      'command: [sleep, "3600"]',
      `livenessProbe: {exec: {command: [cat, /etc/hostname]}, periodSeconds: ${periodSeconds}}`,
      `readinessProbe: {exec: {command: ["true"]}, periodSeconds: ${periodSeconds}}`,
    ],
  });
}

export interface PodMix {
  web: number;
  webPeriodSeconds: number;
  exec: number;
  execPeriodSeconds: number;
}

export function benchPods(mix: PodMix, image: string): BenchPod[] {
  const pad = (i: number): string => String(i).padStart(3, '0');
  return [
    ...Array.from({ length: mix.web }, (_, i): BenchPod => ({ name: `web-${pad(i)}`, kind: 'web', yaml: webYaml(`web-${pad(i)}`, image, mix.webPeriodSeconds) })),
    ...Array.from({ length: mix.exec }, (_, i): BenchPod => ({ name: `exec-${pad(i)}`, kind: 'exec', yaml: execYaml(`exec-${pad(i)}`, image, mix.execPeriodSeconds) })),
  ];
}

/** Short manifest name of a static pod name (`web-000-node-1` -> `web-000`). */
export function shortName(podName: string): string {
  return podName.endsWith(`-${NODE}`) ? podName.slice(0, -NODE.length - 1) : podName;
}

export function kindOf(podName: string): PodKind {
  return shortName(podName).startsWith('exec-') ? 'exec' : 'web';
}

export interface Convergence {
  total: number;
  running: number;
  ready: number;
  restarts: number;
  /** A few pods that are not ready yet, for progress lines and error messages. */
  notReady: string[];
}

/** How far the benchmark's pods are: Running with every container started, and Ready. */
export function convergence(pods: readonly Pod[]): Convergence {
  const mine = pods.filter((p) => p.metadata?.namespace === NAMESPACE);
  let running = 0;
  let ready = 0;
  let restarts = 0;
  const notReady: string[] = [];
  for (const p of mine) {
    const cs = p.status?.containerStatuses ?? [];
    const isRunning = p.status?.phase === 'Running' && cs.length > 0 && cs.every((c) => c.state?.running);
    const isReady = isRunning && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
    if (isRunning) running++;
    if (isReady) ready++;
    else if (notReady.length < 5) notReady.push(`${p.metadata?.name ?? '?'}(${p.status?.phase ?? '-'})`);
    restarts += cs.reduce((n, c) => n + (c.restartCount ?? 0), 0);
  }
  return { total: mine.length, running, ready, restarts, notReady };
}
