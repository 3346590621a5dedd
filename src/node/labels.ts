import { goArch } from './machine.js';

/**
 * The labels the kubelet gives its node (hostname, os and arch, stable and beta keys), then the
 * user's `--node-labels`, which win. Admission matches nodeSelector and node affinity against
 * them; the control plane registers the Node with them.
 */
export function nodeLabels(nodeName: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const a = goArch();
  return {
    'beta.kubernetes.io/arch': a,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': a,
    'kubernetes.io/hostname': nodeName,
    'kubernetes.io/os': 'linux',
    ...extra,
  };
}
