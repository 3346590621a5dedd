import type { Volume } from '../api/generated/core-v1.js';
import type { PrefixWriter } from './describe-writer.js';

/** kubectl describeVolumes for the volume kinds a static pod can use; others print `<unknown>`. */
export function writeVolumes(w: PrefixWriter, volumes: Volume[] | undefined): void {
  if (!volumes?.length) return w.write(0, 'Volumes:\t<none>\n');
  w.write(0, 'Volumes:\n');
  for (const v of volumes) {
    w.write(1, `${v.name}:\n`);
    if (v.hostPath) {
      w.write(2, `Type:\tHostPath (bare host directory volume)\n    Path:\t${v.hostPath.path}\n    HostPathType:\t${v.hostPath.type ?? '<none>'}\n`);
    } else if (v.emptyDir) {
      const size = v.emptyDir.sizeLimit !== undefined && String(v.emptyDir.sizeLimit) !== '0' ? String(v.emptyDir.sizeLimit) : '<unset>';
      w.write(2, `Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t${v.emptyDir.medium ?? ''}\n    SizeLimit:\t${size}\n`);
    } else if (v.downwardAPI) {
      w.write(2, 'Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n');
      for (const item of v.downwardAPI.items ?? []) {
        if (item.fieldRef) w.write(3, `${item.fieldRef.fieldPath} -> ${item.path}\n`);
        if (item.resourceFieldRef) w.write(3, `${item.resourceFieldRef.resource} -> ${item.path}\n`);
      }
    } else if (v.configMap) {
      w.write(2, `Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t${v.configMap.name ?? ''}\n    Optional:\t${v.configMap.optional === true}\n`);
    } else if (v.secret) {
      w.write(2, `Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t${v.secret.secretName ?? ''}\n    Optional:\t${v.secret.optional === true}\n`);
    } else if (v.projected) {
      w.write(2, 'Type:\tProjected (a volume that contains injected data from multiple sources)\n');
      for (const src of v.projected.sources ?? []) {
        if (src.secret) w.write(2, `SecretName:\t${src.secret.name ?? ''}\n    Optional:\t${src.secret.optional === true}\n`);
        else if (src.downwardAPI) w.write(2, 'DownwardAPI:\ttrue\n');
        else if (src.configMap) w.write(2, `ConfigMapName:\t${src.configMap.name ?? ''}\n    Optional:\t${src.configMap.optional === true}\n`);
        else if (src.serviceAccountToken) w.write(2, `TokenExpirationSeconds:\t${src.serviceAccountToken.expirationSeconds ?? 3607}\n`);
      }
    } else if (v.image) {
      w.write(2, `Type:\tImage (a container image or OCI artifact)\n    Reference:\t${v.image.reference ?? ''}\n    PullPolicy:\t${v.image.pullPolicy ?? ''}\n`);
    } else {
      w.write(1, '<unknown>\n');
    }
  }
}
