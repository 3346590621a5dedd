/**
 * Pod and container security contexts → CRI security contexts, as the kubelet builds them.
 * Refusals that depend on the manifest alone live in src/validation/rules/security.ts; what is
 * checked here needs the image (runAsNonRoot) or cannot be known before creation.
 */
import { join } from 'node:path';
import type { Container, Pod, PodSecurityContext, SecurityContext, SeccompProfile as SeccompSpec } from '../api/generated/core-v1.js';
import type { ImageUser, LinuxContainerSecurityContext, SecurityProfile } from '../runtime/index.js';
import { sysctlDotted } from '../validation/rules/security.js';
import { ContainerConfigError } from './config-error.js';

/** /proc paths the kubelet masks for the Default proc mount. */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
/** /proc paths the kubelet makes read-only for the Default proc mount. */
export const DEFAULT_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** The container's context over the pod's, field by field, for the fields both have. */
export function effectiveSecurityContext(pod: Pod, c: Container): SecurityContext {
  const p: PodSecurityContext = pod.spec?.securityContext ?? {};
  const s: SecurityContext = { ...(c.securityContext ?? {}) };
  if (s.runAsUser === undefined && p.runAsUser !== undefined) s.runAsUser = p.runAsUser;
  if (s.runAsGroup === undefined && p.runAsGroup !== undefined) s.runAsGroup = p.runAsGroup;
  if (s.runAsNonRoot === undefined && p.runAsNonRoot !== undefined) s.runAsNonRoot = p.runAsNonRoot;
  if (s.seLinuxOptions === undefined && p.seLinuxOptions !== undefined) s.seLinuxOptions = p.seLinuxOptions;
  if (s.seccompProfile === undefined && p.seccompProfile !== undefined) s.seccompProfile = p.seccompProfile;
  if (s.appArmorProfile === undefined && p.appArmorProfile !== undefined) s.appArmorProfile = p.appArmorProfile;
  return s;
}

function podRef(pod: Pod): string {
  const m = pod.metadata ?? {};
  return `${m.name ?? ''}_${m.namespace ?? 'default'}(${m.uid ?? ''})`;
}

/** runAsNonRoot against the user the container will run as; messages as the kubelet words them. */
export function verifyRunAsNonRoot(pod: Pod, c: Container, sc: SecurityContext, image: ImageUser | undefined): void {
  if (sc.runAsNonRoot !== true) return;
  const where = `(pod: "${podRef(pod)}", container: ${c.name})`;
  if (sc.runAsUser !== undefined) {
    if (sc.runAsUser === 0) throw new ContainerConfigError(`container's runAsUser breaks non-root policy ${where}`);
    return;
  }
  // Without a report from the runtime the image counts as running as root, as in the kubelet.
  const user = image ?? { uid: 0, username: '' };
  if (user.uid === 0) throw new ContainerConfigError(`container has runAsNonRoot and image will run as root ${where}`);
  if (user.uid === undefined && user.username !== '') {
    throw new ContainerConfigError(`container has runAsNonRoot and image has non-numeric user (${user.username}), cannot verify user is non-root ${where}`);
  }
}

/**
 * CRI capability names carry no CAP_ prefix: containerd upper-cases the name and prepends
 * CAP_ itself, so a manifest's "CAP_NET_ADMIN" would become an unknown "CAP_CAP_NET_ADMIN".
 * Both spellings are accepted and sent the CRI way.
 */
export function criCapability(name: string): string {
  const upper = name.toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}

/** The kubelet's seccomp choice: container over pod; nothing set means Unconfined (seccompDefault off). */
export function seccompProfile(profile: SeccompSpec | undefined, rootDir: string): SecurityProfile {
  if (!profile) return { type: 'Unconfined' };
  if (profile.type === 'Localhost') {
    const name = profile.localhostProfile ?? '';
    if (name === '') throw new ContainerConfigError('seccompProfile: type Localhost needs localhostProfile');
    return { type: 'Localhost', localhostRef: join(rootDir, 'seccomp', name) };
  }
  return { type: profile.type };
}

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** AppArmor from the container field, the deprecated per-container annotation, then the pod field. */
export function appArmorProfile(pod: Pod, c: Container): { apparmor?: SecurityProfile; apparmorProfile?: string } {
  const field = c.securityContext?.appArmorProfile;
  const annotation = pod.metadata?.annotations?.[APPARMOR_ANNOTATION_PREFIX + c.name];
  let p = field;
  if (!p && annotation !== undefined) {
    if (annotation === 'runtime/default') p = { type: 'RuntimeDefault' };
    else if (annotation === 'unconfined') p = { type: 'Unconfined' };
    else if (annotation.startsWith('localhost/')) p = { type: 'Localhost', localhostProfile: annotation.slice('localhost/'.length) };
  }
  p ??= pod.spec?.securityContext?.appArmorProfile;
  if (!p) return {};
  switch (p.type) {
    case 'RuntimeDefault':
      return { apparmor: { type: 'RuntimeDefault' }, apparmorProfile: 'runtime/default' };
    case 'Unconfined':
      return { apparmor: { type: 'Unconfined' }, apparmorProfile: 'unconfined' };
    case 'Localhost': {
      const name = p.localhostProfile ?? '';
      if (name === '') throw new ContainerConfigError('appArmorProfile: type Localhost needs localhostProfile');
      return { apparmor: { type: 'Localhost', localhostRef: name }, apparmorProfile: `localhost/${name}` };
    }
  }
}

/** Groups of every container: fsGroup first, then the pod's supplementalGroups. */
export function podSupplementalGroups(pod: Pod): number[] {
  const sc = pod.spec?.securityContext;
  return [...(sc?.fsGroup !== undefined ? [sc.fsGroup] : []), ...(sc?.supplementalGroups ?? [])];
}

export interface SecurityInput {
  pod: Pod;
  container: Container;
  /** The image's user as ImageStatus reports it; undefined counts as root. */
  imageUser?: ImageUser;
  /** Localhost seccomp profiles are read from <rootDir>/seccomp. */
  rootDir: string;
}

/** The CRI security context of one container (namespace options are added by the caller). */
export function containerSecurityContext(input: SecurityInput): LinuxContainerSecurityContext {
  const { pod, container: c } = input;
  const sc = effectiveSecurityContext(pod, c);
  verifyRunAsNonRoot(pod, c, sc, input.imageUser);
  const out: LinuxContainerSecurityContext = {};
  const caps = sc.capabilities;
  if (caps) out.capabilities = { add: (caps.add ?? []).map(criCapability), drop: (caps.drop ?? []).map(criCapability) };
  if (sc.privileged !== undefined) out.privileged = sc.privileged;
  if (sc.readOnlyRootFilesystem !== undefined) out.readonlyRootfs = sc.readOnlyRootFilesystem;
  if (sc.runAsUser !== undefined) {
    out.runAsUser = sc.runAsUser;
  } else if (input.imageUser) {
    if (input.imageUser.uid !== undefined) out.runAsUser = input.imageUser.uid;
    if (input.imageUser.username !== '') out.runAsUsername = input.imageUser.username;
  }
  if (sc.runAsGroup !== undefined) out.runAsGroup = sc.runAsGroup;
  const groups = podSupplementalGroups(pod);
  if (groups.length > 0) out.supplementalGroups = groups;
  // no_new_privs only when allowPrivilegeEscalation is explicitly false.
  if (c.securityContext?.allowPrivilegeEscalation === false) out.noNewPrivs = true;
  const unmasked = c.securityContext?.procMount === 'Unmasked';
  out.maskedPaths = unmasked ? [] : [...DEFAULT_MASKED_PATHS];
  out.readonlyPaths = unmasked ? [] : [...DEFAULT_READONLY_PATHS];
  out.seccomp = seccompProfile(sc.seccompProfile, input.rootDir);
  Object.assign(out, appArmorProfile(pod, c));
  return out;
}

/** Pod sysctls for the sandbox, by their dotted names. */
export function podSysctls(pod: Pod): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of pod.spec?.securityContext?.sysctls ?? []) out[sysctlDotted(s.name)] = s.value;
  return out;
}

/** A sandbox must be privileged for any of its containers to be. */
export function hasPrivilegedContainer(pod: Pod): boolean {
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  return all.some((c) => c.securityContext?.privileged === true);
}
