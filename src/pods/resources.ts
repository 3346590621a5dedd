/**
 * Container resources the kubelet's way: requests and limits become cgroup values in CRI
 * LinuxContainerResources, and the QoS class becomes an OOM score adjustment.
 */
import { readdirSync, readFileSync, statfsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { Container, Pod, Quantity as QuantityText, ResourceRequirements } from '../api/generated/core-v1.js';
import type { LinuxContainerResources } from '../runtime/index.js';
import { qosClass } from '../status/qos.js';
import { defaultedResources, isSidecar } from '../status/spec.js';
import { parseQuantity, scaledValue, type Quantity } from '../validation/index.js';

export const MIN_SHARES = 2;
export const MAX_SHARES = 262_144;
const SHARES_PER_CPU = 1024n;
/** CFS period the kubelet uses unless the (alpha) custom period is configured. */
export const CFS_PERIOD_US = 100_000;
const MIN_QUOTA_US = 1000;

const GUARANTEED_OOM_SCORE_ADJ = -997;
const BEST_EFFORT_OOM_SCORE_ADJ = 1000;

/** Machine figures the mapping needs; read from the host unless a test supplies them. */
export interface NodeResources {
  /** Allocatable (or capacity) as a ResourceList: cpu, memory, ephemeral-storage. */
  allocatable: Record<string, QuantityText>;
  memoryCapacityBytes: number;
  /** Huge page sizes the host supports, in CRI naming ("2MB"). */
  hugePageSizes: readonly string[];
  /** Lowest oom_score_adj the runtime may set (see oomFloor). */
  oomScoreAdjFloor: number;
}

function quantity(list: Record<string, QuantityText> | undefined, name: string): Quantity | undefined {
  const raw = list?.[name];
  return raw === undefined ? undefined : parseQuantity(raw);
}

/** Quantity in thousandths, rounded up (Quantity.MilliValue). */
export function milliValue(q: Quantity | undefined): bigint {
  return q ? scaledValue(q, -3) : 0n;
}

/** Quantity as an integer, rounded up (Quantity.Value). */
export function intValue(q: Quantity | undefined): bigint {
  return q ? scaledValue(q, 0) : 0n;
}

/** cpu.shares from a cpu request in millicores; no request gets the minimum. */
export function cpuShares(milliCPU: bigint): number {
  if (milliCPU <= 0n) return MIN_SHARES;
  const shares = (milliCPU * SHARES_PER_CPU) / 1000n;
  if (shares < BigInt(MIN_SHARES)) return MIN_SHARES;
  if (shares > BigInt(MAX_SHARES)) return MAX_SHARES;
  return Number(shares);
}

/** cfs_quota_us for a cpu limit in millicores; 0 (no quota) without a limit. */
export function cpuQuota(milliCPU: bigint, periodUs = CFS_PERIOD_US): number {
  if (milliCPU <= 0n) return 0;
  const quota = (milliCPU * BigInt(periodUs)) / 1000n;
  return quota < BigInt(MIN_QUOTA_US) ? MIN_QUOTA_US : Number(quota);
}

/** CRI's page size name: 1024-based units with a "B" suffix, e.g. 2097152 → "2MB". */
export function hugePageSizeName(bytes: bigint): string | undefined {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024n && v % 1024n === 0n && i < units.length - 1) {
    v /= 1024n;
    i++;
  }
  return v > 0n ? `${v}${units[i]}` : undefined;
}

const HUGEPAGES_PREFIX = 'hugepages-';

/**
 * Every host page size gets an explicit limit, 0 unless the container's limits name it, as the
 * kubelet does so that a container cannot use huge pages it did not ask for.
 */
export function hugepageLimits(limits: Record<string, QuantityText> | undefined, hostSizes: readonly string[]): Array<{ pageSize: string; limit: number }> {
  const wanted = new Map<string, number>();
  for (const [name, raw] of Object.entries(limits ?? {})) {
    if (!name.startsWith(HUGEPAGES_PREFIX)) continue;
    const size = parseQuantity(name.slice(HUGEPAGES_PREFIX.length));
    const amount = parseQuantity(raw);
    if (!size || !amount) continue;
    const pageSize = hugePageSizeName(intValue(size));
    if (pageSize) wanted.set(pageSize, Number(intValue(amount)));
  }
  return hostSizes.map((pageSize) => ({ pageSize, limit: wanted.get(pageSize) ?? 0 }));
}

function memoryRequest(c: Container): bigint {
  return intValue(quantity(defaultedResources(c.resources).requests, 'memory'));
}

/**
 * oom_score_adj by the kubelet's policy: node-critical and Guaranteed pods are protected,
 * BestEffort goes first, and Burstable containers sit in between by their memory request's
 * share of the machine (never below 3 nor equal to BestEffort). A sidecar is never more
 * likely to be killed than the pod's smallest regular container.
 */
export function oomScoreAdj(pod: Pod, container: Container, memoryCapacity: number): number {
  const spec = pod.spec ?? { containers: [] };
  // Static pods are critical pods, so system-node-critical makes them node-critical.
  if (spec.priorityClassName === 'system-node-critical') return GUARANTEED_OOM_SCORE_ADJ;
  const qos = qosClass(spec);
  if (qos === 'Guaranteed') return GUARANTEED_OOM_SCORE_ADJ;
  if (qos === 'BestEffort') return BEST_EFFORT_OOM_SCORE_ADJ;
  const capacity = BigInt(Math.max(1, Math.floor(memoryCapacity)));
  const burstable = (request: bigint): bigint => 1000n - (1000n * request) / capacity;
  let adj = burstable(memoryRequest(container));
  const isInit = (spec.initContainers ?? []).includes(container);
  if (isInit && isSidecar(container) && spec.containers.length > 0) {
    const minRegular = spec.containers.map(memoryRequest).reduce((a, b) => (b < a ? b : a));
    if (minRegular !== 0n) {
      const regularAdj = burstable(minRegular);
      if (adj > regularAdj) adj = regularAdj;
    }
  }
  const floor = BigInt(1000 + GUARANTEED_OOM_SCORE_ADJ);
  if (adj < floor) return Number(floor);
  if (adj === BigInt(BEST_EFFORT_OOM_SCORE_ADJ)) return BEST_EFFORT_OOM_SCORE_ADJ - 1;
  return Number(adj);
}

/** The computed score, raised to what the runtime may set (see oomFloor). */
export function clampOomScoreAdj(adj: number, floor: number): number {
  return Math.min(1000, Math.max(adj, floor));
}

/**
 * Requests and limits → LinuxContainerResources. Requests are defaulted from limits first, as
 * the API server (and the kubelet, for static pods) would have done; a container with a cpu
 * limit and no request therefore gets shares from its limit.
 */
export function linuxResources(pod: Pod, container: Container, node: NodeResources): LinuxContainerResources {
  const r: ResourceRequirements = defaultedResources(container.resources);
  const cpuRequest = milliValue(quantity(r.requests, 'cpu'));
  const cpuLimit = milliValue(quantity(r.limits, 'cpu'));
  const memLimit = intValue(quantity(r.limits, 'memory'));
  const out: LinuxContainerResources = {
    cpuShares: cpuShares(cpuRequest),
    cpuPeriod: CFS_PERIOD_US,
    cpuQuota: cpuQuota(cpuLimit),
    oomScoreAdj: clampOomScoreAdj(oomScoreAdj(pod, container, node.memoryCapacityBytes), node.oomScoreAdjFloor),
  };
  if (memLimit > 0n) out.memoryLimitInBytes = Number(memLimit);
  const huge = hugepageLimits(r.limits, node.hugePageSizes);
  if (huge.length > 0) out.hugepageLimits = huge;
  return out;
}

let hostCache: Omit<NodeResources, 'allocatable'> & { capacity: Record<string, string> } | undefined;

function readHugePageSizes(): string[] {
  try {
    return readdirSync('/sys/kernel/mm/hugepages')
      .map((d) => /^hugepages-(\d+)kB$/.exec(d))
      .flatMap((m) => (m ? [hugePageSizeName(BigInt(m[1]!) * 1024n)] : []))
      .filter((s): s is string => s !== undefined);
  } catch {
    return [];
  }
}

/**
 * This environment refuses negative oom_score_adj values, and no process may lower its score
 * below its parent's without CAP_SYS_RESOURCE anyway; so the supervisor's own score (read once)
 * is the floor for every container.
 */
function readOomFloor(): number {
  try {
    const v = Number.parseInt(readFileSync('/proc/self/oom_score_adj', 'utf8').trim(), 10);
    return Number.isFinite(v) ? v : 0;
  } catch {
    return 0;
  }
}

function diskBytes(dir: string): string | undefined {
  try {
    const s = statfsSync(dir);
    return String(BigInt(s.blocks) * BigInt(s.bsize));
  } catch {
    return undefined;
  }
}

/** Machine capacity and limits, read once; `allocatable` (when the node has one) wins. */
export function hostResources(rootDir: string, allocatable?: Record<string, QuantityText>): NodeResources {
  if (!hostCache) {
    const disk = diskBytes(rootDir) ?? diskBytes('/');
    hostCache = {
      memoryCapacityBytes: totalmem(),
      hugePageSizes: readHugePageSizes(),
      oomScoreAdjFloor: readOomFloor(),
      capacity: { cpu: String(cpus().length), memory: String(totalmem()), ...(disk ? { 'ephemeral-storage': disk } : {}) },
    };
  }
  const { capacity, ...rest } = hostCache;
  return { ...rest, allocatable: { ...capacity, ...(allocatable ?? {}) } };
}
