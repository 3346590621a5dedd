/**
 * Volume features staticlet cannot provide on its own. The API server would accept them, but a
 * standalone node has no volume plugin, attach/detach controller or CSI driver registration
 * behind them, so the pod could never start: refuse up front, with the reason, rather than leave
 * the pod waiting. secret, configMap, persistentVolumeClaim and ephemeral volumes are refused by
 * the static-pod rules already.
 */
import type { Volume } from '../../api/generated/core-v1.js';
import { field, index } from '../path.js';
import { isRecord, list, type RuleContext, quote } from './context.js';

const SUPPORTED = new Set(['name', 'hostPath', 'emptyDir', 'downwardAPI', 'projected']);
const STATIC_POD_REFUSED = new Set(['secret', 'configMap', 'persistentVolumeClaim', 'ephemeral']);

const WHY: Readonly<Record<string, string>> = {
  csi: 'CSI drivers register with a kubelet and are provisioned through the API server',
  image: 'image volumes need runtime support that containerd 1.6 (CRI v1) does not offer',
  gitRepo: 'gitRepo is deprecated; clone into an emptyDir from an init container instead',
  flexVolume: 'FlexVolume drivers are kubelet plugins',
};
const GENERIC = 'network and cloud volumes need the kubelet\'s volume plugins and attach/detach machinery; mount it on the host and use a hostPath volume instead';

export const UNSUPPORTED_SOURCE_REASON = 'staticlet cannot provide this volume source standalone';

function sourceMessage(source: string): string {
  return `${source} volumes are not supported: ${UNSUPPORTED_SOURCE_REASON} (${WHY[source] ?? GENERIC})`;
}

export function checkVolumeSupport(ctx: RuleContext): void {
  for (const { v, path } of ctx.volumes) {
    const obj = v as unknown as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      if (SUPPORTED.has(k) || STATIC_POD_REFUSED.has(k) || obj[k] === undefined || obj[k] === null) continue;
      ctx.add(field(path, k), sourceMessage(k));
    }
    checkEmptyDirMedium(ctx, path, v);
  }
  for (const ref of ctx.containers) {
    if (ref.kind === 'ephemeral') continue;
    list(ref.c.volumeMounts).forEach((m, i) => {
      if (!isRecord(m) || m.recursiveReadOnly !== 'Enabled') return;
      ctx.add(
        field(index(field(ref.path, 'volumeMounts'), i), 'recursiveReadOnly'),
        'Enabled is not supported: the container runtime (containerd 1.6, CRI v1) cannot make mounts recursively read-only; use IfPossible for a plain read-only mount',
      );
    });
  }
}

function checkEmptyDirMedium(ctx: RuleContext, path: string, v: Volume): void {
  const medium = isRecord(v.emptyDir) ? v.emptyDir.medium : undefined;
  if (typeof medium !== 'string' || medium === '' || medium === 'Memory') return;
  const p = field(field(path, 'emptyDir'), 'medium');
  if (medium === 'HugePages' || medium.startsWith('HugePages-')) ctx.add(p, `${quote(medium)} is not supported: staticlet does not provide hugepage-backed emptyDir volumes`);
  else ctx.add(p, `unsupported value ${quote(medium)}: supported values: "", "Memory"`);
}
