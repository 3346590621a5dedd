import { readFile } from 'node:fs/promises';
import { arch as osArch, platform, release } from 'node:os';

/**
 * Facts about this machine as the kubelet reports them in a Node's `status.nodeInfo` (read
 * once, by `staticlet node` and the control plane alike). Each source is the one the kubelet's
 * machine-info provider reads; a missing one leaves the field empty (osImage: "Unknown").
 */
export interface MachineInfo {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  /** GOOS / GOARCH spelling: linux, amd64 / arm64 / ... */
  operatingSystem: string;
  architecture: string;
}

/** Node's arch names → Go's, which Kubernetes labels and nodeInfo use. */
const GOARCH: Readonly<Record<string, string>> = { x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };

export function goArch(nodeArch: string = osArch()): string {
  return GOARCH[nodeArch] ?? nodeArch;
}

async function firstLine(paths: readonly string[]): Promise<string> {
  for (const p of paths) {
    const text = await readFile(p, 'utf8').catch(() => undefined);
    const line = text?.split('\n')[0]?.trim();
    if (line) return line;
  }
  return '';
}

/** PRETTY_NAME of an os-release file, unquoted; "Unknown" when there is none. */
export function osImageFrom(osRelease: string | undefined): string {
  for (const line of (osRelease ?? '').split('\n')) {
    const m = /^PRETTY_NAME=(.*)$/.exec(line.trim());
    if (!m) continue;
    const v = m[1]!.trim();
    const unquoted = /^(["']).*\1$/.test(v) ? v.slice(1, -1).replace(/\\(["'\\$`])/g, '$1') : v;
    if (unquoted) return unquoted;
  }
  return 'Unknown';
}

export async function readMachineInfo(): Promise<MachineInfo> {
  const osRelease = (await readFile('/etc/os-release', 'utf8').catch(() => undefined)) ?? (await readFile('/usr/lib/os-release', 'utf8').catch(() => undefined));
  return {
    machineID: await firstLine(['/etc/machine-id', '/var/lib/dbus/machine-id']),
    systemUUID: (await firstLine(['/sys/class/dmi/id/product_uuid'])).toLowerCase(),
    bootID: await firstLine(['/proc/sys/kernel/random/boot_id']),
    kernelVersion: release(),
    osImage: osImageFrom(osRelease),
    operatingSystem: platform(),
    architecture: goArch(),
  };
}
