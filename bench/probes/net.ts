import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * httpGet and tcpSocket probes go from the node to the pod IP, but the test environment's bridge
 * has no host address (isGateway off, so parallel environments cannot clash). The benchmark
 * gives its own bridge the .1 address of a private /24, which host-local IPAM never hands out
 * (it reserves the gateway), so the node reaches its pods on-link. The subnet is picked per run
 * and unused on this host; the bridge and its route go away with `env.sh down` (ip link del).
 */
export function pickSubnet(): { subnet: string; hostCidr: string; prefix: string } {
  const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  const addrs = execFileSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' });
  const used = `${routes}\n${addrs}`;
  for (let attempt = 0; attempt < 50; attempt++) {
    const x = 100 + Math.floor(Math.random() * 150);
    const prefix = `10.99.${x}`;
    if (used.includes(`${prefix}.`)) continue;
    return { subnet: `${prefix}.0/24`, hostCidr: `${prefix}.1/24`, prefix };
  }
  throw new Error('no free 10.99.x.0/24 subnet on this host');
}

/** The bridge name env.sh wrote into the CNI config (stl + a hash of the env dir). */
export function bridgeName(envDir: string): string {
  const conf = JSON.parse(readFileSync(join(envDir, 'cni/net.d/10-staticlet.conflist'), 'utf8')) as { plugins: Array<{ type: string; bridge?: string }> };
  const br = conf.plugins.find((p) => p.type === 'bridge')?.bridge;
  if (!br) throw new Error('no bridge plugin in the CNI config');
  return br;
}

/** Creates the bridge before the first pod does (the bridge plugin reuses an existing one). */
export function addHostAddress(bridge: string, hostCidr: string): void {
  execFileSync('ip', ['link', 'add', 'name', bridge, 'type', 'bridge']);
  execFileSync('ip', ['addr', 'add', hostCidr, 'dev', bridge]);
  execFileSync('ip', ['link', 'set', bridge, 'up']);
}

/** Belt and braces after env.down(): the bridge must not outlive the run. */
export function removeBridge(bridge: string): void {
  try {
    execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
  } catch {
    // already gone, as expected
  }
}
