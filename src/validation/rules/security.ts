/**
 * Security-context rules: the API server's checks the other rule files do not make, plus what a
 * standalone Linux node with containerd 1.6 refuses up front rather than fail at start-up
 * (the kubelet's sysctl and AppArmor admission, user namespaces, Windows options).
 */
import { readFileSync } from 'node:fs';
import type { AppArmorProfile, SeccompProfile } from '../../api/generated/core-v1.js';
import { field, index } from '../path.js';
import { isObject, list, type RuleContext, quote } from './context.js';

/** The kubelet's safe sysctls: namespaced, and isolated from other pods. */
export const SAFE_SYSCTLS: readonly string[] = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
];

const SYSCTL_NAME = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;
const SYSCTL_MAX = 253;

/** Linux capability names (without CAP_), up to CHECKPOINT_RESTORE (Linux 5.9). */
export const CAPABILITIES: ReadonlySet<string> = new Set([
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
]);

/** The dotted form; a name whose first separator is '/' uses '/' between parts. */
export function sysctlDotted(name: string): string {
  const dot = name.indexOf('.');
  const slash = name.indexOf('/');
  if (slash < 0 || (dot >= 0 && dot < slash)) return name;
  return name.replace(/[./]/g, (ch) => (ch === '/' ? '.' : '/'));
}

/** Which namespace isolates a sysctl; undefined when none does (it is node-wide). */
export function sysctlNamespace(name: string): 'ipc' | 'net' | undefined {
  if (name.startsWith('net.')) return 'net';
  if (name === 'kernel.sem' || name.startsWith('kernel.shm') || name.startsWith('kernel.msg') || name.startsWith('fs.mqueue.')) return 'ipc';
  return undefined;
}

/** Whether `name` is in the safe set or matches an allowedUnsafeSysctls entry (`prefix*` allowed). */
export function sysctlAllowed(name: string, allowedUnsafe: readonly string[]): boolean {
  if (SAFE_SYSCTLS.includes(name)) return true;
  return allowedUnsafe.some((raw) => {
    const p = sysctlDotted(raw);
    return p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p;
  });
}

/** The AppArmor module reports "Y" when the kernel enforces profiles. */
export function hostAppArmorEnabled(path = '/sys/module/apparmor/parameters/enabled'): boolean {
  try {
    return readFileSync(path, 'utf8').trim().startsWith('Y');
  } catch {
    return false;
  }
}

function checkSysctls(ctx: RuleContext): void {
  const sc = ctx.spec.securityContext;
  if (!isObject(sc)) return;
  const seen = new Set<string>();
  list(sc.sysctls).forEach((s, i) => {
    if (!isObject(s) || typeof s.name !== 'string') return;
    const path = field(index('spec.securityContext.sysctls', i), 'name');
    if (s.name.length > SYSCTL_MAX || !SYSCTL_NAME.test(s.name)) {
      ctx.add(path, `invalid value ${quote(s.name)}: must have at most ${SYSCTL_MAX} characters and match regex ${SYSCTL_NAME.source}`);
      return;
    }
    const name = sysctlDotted(s.name);
    if (seen.has(name)) {
      ctx.add(path, `duplicate value ${quote(s.name)}`);
      return;
    }
    seen.add(name);
    const ns = sysctlNamespace(name);
    if (ns === 'net' && ctx.spec.hostNetwork === true) {
      ctx.add(path, "may not be specified when 'hostNetwork' is true: a net.* sysctl would change the node's own network stack");
      return;
    }
    if (ns === 'ipc' && ctx.spec.hostIPC === true) {
      ctx.add(path, "may not be specified when 'hostIPC' is true: an IPC sysctl would change the node's own IPC namespace");
      return;
    }
    if (!sysctlAllowed(name, ctx.options.allowedUnsafeSysctls ?? [])) {
      ctx.add(path, `forbidden sysctl ${quote(name)}: not in the safe set; allow it with allowedUnsafeSysctls in the config file`);
    } else if (ns === undefined) {
      ctx.add(path, `forbidden sysctl ${quote(name)}: not namespaced, so it would change the whole node`);
    }
  });
}

function checkSeccomp(ctx: RuleContext, path: string, p: SeccompProfile | undefined): void {
  if (!isObject(p)) return;
  const local = typeof p.localhostProfile === 'string' && p.localhostProfile !== '';
  if (p.type === 'Localhost' && !local) ctx.add(field(path, 'localhostProfile'), 'required value: must be set when seccomp type is Localhost');
  if (p.type !== 'Localhost' && p.localhostProfile !== undefined) ctx.add(field(path, 'localhostProfile'), 'can only be set when seccomp type is Localhost');
  if (local && (p.localhostProfile!.startsWith('/') || p.localhostProfile!.split('/').includes('..'))) {
    ctx.add(field(path, 'localhostProfile'), 'must be a relative path (under <root-dir>/seccomp) without ".."');
  }
}

function checkAppArmor(ctx: RuleContext, path: string, p: AppArmorProfile | undefined): void {
  if (!isObject(p)) return;
  const local = typeof p.localhostProfile === 'string' && p.localhostProfile.trim() !== '';
  if (p.type === 'Localhost' && !local) ctx.add(field(path, 'localhostProfile'), 'required value: must be set when AppArmor type is Localhost');
  if (p.type !== 'Localhost' && p.localhostProfile !== undefined) ctx.add(field(path, 'localhostProfile'), 'can only be set when AppArmor type is Localhost');
  // The kubelet's AppArmor admission refuses the pod on such a host; here it is refused up front.
  if (p.type !== 'Unconfined' && ctx.options.appArmorEnabled === false) {
    ctx.add(field(path, 'type'), `Cannot enforce AppArmor: AppArmor is not enabled on the host (only "Unconfined" can run here)`);
  }
}

function checkCapabilities(ctx: RuleContext, path: string, names: readonly unknown[], what: 'add' | 'drop'): void {
  names.forEach((n, i) => {
    if (typeof n !== 'string') return;
    const upper = n.toUpperCase();
    const bare = upper.startsWith('CAP_') ? upper.slice(4) : upper;
    if (bare === 'ALL' || CAPABILITIES.has(bare)) return;
    ctx.add(index(field(path, what), i), `unknown capability ${quote(n)}: use a Linux capability name such as NET_ADMIN (or ALL)`);
  });
}

const WINDOWS = 'Windows options are not supported: staticlet runs Linux containers only';
const SELINUX = 'SELinux labels are not supported: staticlet does not pass them to the runtime, so they would be silently ignored';
const USERNS =
  'hostUsers: false needs user-namespace support in the container runtime, which containerd 1.6 (CRI v1) does not have; the pod would never start';

export function checkSecurity(ctx: RuleContext): void {
  const spec = ctx.spec;
  if (isObject(spec.os) && typeof spec.os.name === 'string' && spec.os.name !== 'linux') {
    ctx.add('spec.os.name', `unsupported value ${quote(spec.os.name)}: this node runs Linux pods only`);
  }
  if (spec.hostUsers === false) ctx.add('spec.hostUsers', USERNS);
  const psc = spec.securityContext;
  if (isObject(psc)) {
    if (psc.windowsOptions !== undefined) ctx.add('spec.securityContext.windowsOptions', WINDOWS);
    if (psc.seLinuxOptions !== undefined) ctx.add('spec.securityContext.seLinuxOptions', SELINUX);
    if (psc.supplementalGroupsPolicy === 'Strict') {
      ctx.add('spec.securityContext.supplementalGroupsPolicy', 'Strict needs a runtime that reports the image groups itself, which containerd 1.6 does not; use Merge');
    }
    checkSeccomp(ctx, 'spec.securityContext.seccompProfile', psc.seccompProfile);
    checkAppArmor(ctx, 'spec.securityContext.appArmorProfile', psc.appArmorProfile);
  }
  checkSysctls(ctx);
  for (const ref of ctx.containers) {
    const sc = ref.c.securityContext;
    if (!isObject(sc)) continue;
    const path = field(ref.path, 'securityContext');
    if (sc.windowsOptions !== undefined) ctx.add(field(path, 'windowsOptions'), WINDOWS);
    if (sc.seLinuxOptions !== undefined) ctx.add(field(path, 'seLinuxOptions'), SELINUX);
    if (sc.procMount === 'Unmasked' && spec.hostUsers !== false) {
      ctx.add(field(path, 'procMount'), '`hostUsers` must be false to use `Unmasked`');
    }
    if (isObject(sc.capabilities)) {
      checkCapabilities(ctx, field(path, 'capabilities'), list(sc.capabilities.add), 'add');
      checkCapabilities(ctx, field(path, 'capabilities'), list(sc.capabilities.drop), 'drop');
    }
    checkSeccomp(ctx, field(path, 'seccompProfile'), sc.seccompProfile);
    checkAppArmor(ctx, field(path, 'appArmorProfile'), sc.appArmorProfile);
  }
}
