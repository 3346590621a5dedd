import { managedSelector, POD_NAME_LABEL, POD_NAMESPACE_LABEL, POD_UID_LABEL, UnimplementedError, type Container, type ContainerStats as CriContainerStats, type CpuMemoryFigures, type NetworkInterfaceUsage, type PodSandbox, type PodSandboxStats, type RuntimeClient } from '../runtime/index.js';
import { bootTime, fsStats, nodeCpuNanoSeconds, nodeMemory, rlimitStats } from './node.js';
import type { ContainerStats, CPUStats, FsStats, InterfaceStats, MemoryStats, NodeStats, PodStats, Summary, SummaryOptions } from './types.js';

/** The runtime calls the summary makes; the runtime client implements them. */
export type StatsRuntime = Pick<RuntimeClient, 'listPodSandboxes' | 'listContainers' | 'listContainerStats' | 'imageFsInfo'> & Partial<Pick<RuntimeClient, 'listPodSandboxStats'>>;

export interface StatsProviderOptions {
  nodeName: string;
  runtime: StatsRuntime;
  /** The kubelet's root dir: its filesystem is the node's `fs`. */
  rootDir: string;
  now?: () => number;
}

/** A cumulative CPU sample: usage (ns) at a time (ms), and the rate computed when it was taken. */
interface Sample {
  usageNs: number;
  at: number;
  rate?: number | undefined;
}

/**
 * A rate is computed over at least this long; a read sooner after the last sample answers the
 * rate computed then (the kubelet's summary reads likewise return its cached figure), so that
 * two reads a few milliseconds apart do not divide noise by nothing.
 */
const MIN_RATE_INTERVAL_MS = 1_000;

/** How long a failed ListPodSandboxStats is not asked again. */
const SANDBOX_STATS_RETRY_MS = 5 * 60_000;

/** A first node sample is taken this long before the second, so the first answer has a rate too. */
const FIRST_NODE_INTERVAL_MS = 100;

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Cores used over the interval since `prev`, in billionths, as the kubelet computes it:
 * Δ cumulative usage / Δ time. No rate across a counter that went down (a restarted
 * container reusing nothing), nor over a zero interval.
 */
export function nanoCores(prev: Sample | undefined, cur: Sample): number | undefined {
  if (!prev || cur.usageNs < prev.usageNs || cur.at <= prev.at) return undefined;
  return Math.round(((cur.usageNs - prev.usageNs) / ((cur.at - prev.at) * 1e6)) * 1e9);
}

/**
 * The kubelet's /stats/summary from CRI (sandboxes, containers, container stats, image
 * filesystem) and the node's own /proc and statfs. usageNanoCores comes from the previous
 * sample of the same container (or node), kept here; a container seen for the first time
 * reports what the runtime computed, if anything.
 */
export class StatsProvider {
  private readonly previous = new Map<string, Sample>();
  private nodePrevious: Sample | undefined;
  private startTime: Promise<number> | undefined;
  private readonly now: () => number;
  /**
   * Until when ListPodSandboxStats is not asked again: never after Unimplemented, and for a
   * while after any other failure. containerd 1.6 fails the whole call ("cgroupPath is empty")
   * for a sandbox without a cgroup parent, which staticlet's sandboxes are, so asking it on
   * every summary would only add a failing call each time.
   */
  private sandboxStatsAfter = 0;

  constructor(private readonly opts: StatsProviderOptions) {
    this.now = opts.now ?? Date.now;
  }

  async summary(options: SummaryOptions = {}): Promise<Summary> {
    const only = options.onlyCpuAndMemory === true;
    const selector = { labelSelector: managedSelector() };
    const rt = this.opts.runtime;
    const [sandboxes, containers, stats, sandboxStats, node] = await Promise.all([
      rt.listPodSandboxes(selector),
      rt.listContainers(selector),
      rt.listContainerStats(selector),
      this.sandboxStats(selector),
      this.nodeStats(only),
    ]);
    return { node, pods: this.podStats(sandboxes, containers, stats, new Map(sandboxStats.map((s) => [s.id, s])), only) };
  }

  /**
   * The pods' own cgroup figures (the pause container, shared memory and the pod network
   * included), as the kubelet's CRI stats provider reads them; [] when the runtime lacks the call.
   */
  private async sandboxStats(selector: { labelSelector: Record<string, string> }): Promise<PodSandboxStats[]> {
    const list = this.opts.runtime.listPodSandboxStats;
    if (!list || this.now() < this.sandboxStatsAfter) return [];
    try {
      return await list.call(this.opts.runtime, selector);
    } catch (err) {
      this.sandboxStatsAfter = err instanceof UnimplementedError ? Infinity : this.now() + SANDBOX_STATS_RETRY_MS;
      return [];
    }
  }

  private async nodeStats(only: boolean): Promise<NodeStats> {
    const startTime = await (this.startTime ??= bootTime());
    if (!this.nodePrevious) {
      this.nodePrevious = { usageNs: await nodeCpuNanoSeconds(), at: this.now() };
      await new Promise((r) => setTimeout(r, FIRST_NODE_INTERVAL_MS));
    }
    const at = this.now();
    const time = rfc3339(at);
    const usageNs = await nodeCpuNanoSeconds();
    const cpu: CPUStats = { time, usageCoreNanoSeconds: Math.round(usageNs) };
    const { rate, baseline } = nextRate(this.nodePrevious, { usageNs, at });
    if (rate !== undefined) cpu.usageNanoCores = rate;
    this.nodePrevious = baseline;
    const node: NodeStats = { nodeName: this.opts.nodeName, startTime: rfc3339(startTime), cpu, memory: await nodeMemory(time) };
    if (only) return node;
    const [fs, rlimit, imageFs] = await Promise.all([fsStats(this.opts.rootDir, time), rlimitStats(time), this.imageFs(time)]);
    if (fs) node.fs = fs;
    node.runtime = imageFs ? { imageFs } : {};
    node.rlimit = rlimit;
    return node;
  }

  /** The runtime's image filesystem: its usage from CRI, capacity from statfs of its mountpoint. */
  private async imageFs(time: string): Promise<FsStats | undefined> {
    const info = await this.opts.runtime.imageFsInfo().catch(() => undefined);
    const fs = info?.imageFilesystems[0];
    if (!fs) return undefined;
    const out: FsStats = (fs.mountpoint ? await fsStats(fs.mountpoint, time) : undefined) ?? { time };
    if (fs.usedBytes !== undefined) out.usedBytes = fs.usedBytes;
    if (fs.inodesUsed !== undefined) out.inodesUsed = fs.inodesUsed;
    return out;
  }

  private podStats(sandboxes: PodSandbox[], containers: Container[], stats: CriContainerStats[], sandboxStats: Map<string, PodSandboxStats>, only: boolean): PodStats[] {
    // One sandbox per pod UID: the ready one, else the newest (as the kubelet drops terminated
    // sandboxes when a running one exists).
    const byUid = new Map<string, PodSandbox>();
    for (const s of sandboxes) {
      const uid = s.labels[POD_UID_LABEL];
      if (!uid) continue;
      const have = byUid.get(uid);
      if (!have || better(s.state === 'ready', s.createdAt, have.state === 'ready', have.createdAt)) byUid.set(uid, s);
    }
    const statsById = new Map(stats.map((s) => [s.id, s]));
    // One container per (sandbox, name): the running one, else the newest.
    const chosen = new Map<string, Map<string, Container>>();
    for (const c of containers) {
      let names = chosen.get(c.podSandboxId);
      if (!names) chosen.set(c.podSandboxId, (names = new Map()));
      const have = names.get(c.metadata.name);
      if (!have || better(c.state === 'running', c.createdAt, have.state === 'running', have.createdAt)) names.set(c.metadata.name, c);
    }
    const seen = new Set<string>();
    const pods: PodStats[] = [];
    for (const [uid, sb] of byUid) {
      const list: ContainerStats[] = [];
      let cpuNs = 0;
      let cpuRate = 0;
      let haveRate = false;
      let mem: MemoryStats | undefined;
      let latest = 0;
      for (const c of chosen.get(sb.id)?.values() ?? []) {
        const s = statsById.get(c.id);
        const cs: ContainerStats = { name: c.metadata.name, startTime: rfc3339(c.createdAt) };
        if (s && c.state === 'running') {
          seen.add(c.id);
          const at = s.timestamp || this.now();
          latest = Math.max(latest, at);
          const time = rfc3339(at);
          const cpu = this.containerCpu(c.id, s, at, time);
          cs.cpu = cpu;
          cpuNs += cpu.usageCoreNanoSeconds ?? 0;
          if (cpu.usageNanoCores !== undefined) {
            cpuRate += cpu.usageNanoCores;
            haveRate = true;
          }
          cs.memory = memoryOf(s, time);
          mem = sumMemory(mem, cs.memory);
          if (!only && s.writableLayerUsedBytes !== undefined) {
            cs.rootfs = { time, usedBytes: s.writableLayerUsedBytes, ...(s.writableLayerInodesUsed !== undefined ? { inodesUsed: s.writableLayerInodesUsed } : {}) };
          }
        }
        list.push(cs);
      }
      const pod: PodStats = {
        podRef: { name: sb.labels[POD_NAME_LABEL] ?? sb.metadata.name, namespace: sb.labels[POD_NAMESPACE_LABEL] ?? sb.metadata.namespace, uid },
        startTime: rfc3339(sb.createdAt),
        containers: list,
      };
      const own = sandboxStats.get(sb.id);
      // staticlet gives the runtime no pod cgroup (no cgroup parent: cgroups are left to it per
      // container), so the sandbox's own figures are those of its pause container alone. The
      // pod is then its containers plus that; its network is the sandbox's (the pod's netns).
      if (own && own.cpuUsageCoreNanoSeconds !== undefined) {
        const at = own.timestamp || this.now();
        const cpu = this.cpuOf(`pod/${sb.id}`, own.cpuUsageCoreNanoSeconds, own.cpuUsageNanoCores, at, rfc3339(at));
        seen.add(`pod/${sb.id}`);
        latest = Math.max(latest, at);
        cpuNs += own.cpuUsageCoreNanoSeconds;
        if (cpu.usageNanoCores !== undefined) {
          cpuRate += cpu.usageNanoCores;
          haveRate = true;
        }
        mem = sumMemory(mem, memoryOf(own, cpu.time));
        if (!only && own.network) {
          const d = own.network.defaultInterface;
          pod.network = { time: rfc3339(own.network.timestamp || at), ...(d ? iface(d) : { name: '' }), interfaces: own.network.interfaces.map(iface) };
        }
      }
      if (latest > 0) {
        // The sums over the pod's containers (and its pause container when the runtime has
        // sandbox stats), as the kubelet's CRI provider falls back to without a pod cgroup.
        const time = rfc3339(latest);
        pod.cpu = { time, usageCoreNanoSeconds: cpuNs, ...(haveRate ? { usageNanoCores: cpuRate } : {}) };
        if (mem) pod.memory = { ...mem, time };
        if (!only) {
          const used = list.reduce((n, c) => n + (c.rootfs?.usedBytes ?? 0), 0);
          pod['ephemeral-storage'] = { time, usedBytes: used };
        }
      }
      pods.push(pod);
    }
    // Samples of containers no longer running are dropped, so the cache follows the node's pods.
    for (const id of this.previous.keys()) if (!seen.has(id)) this.previous.delete(id);
    return pods;
  }

  private containerCpu(id: string, s: CriContainerStats, at: number, time: string): CPUStats {
    return this.cpuOf(id, s.cpuUsageCoreNanoSeconds, s.cpuUsageNanoCores, at, time);
  }

  /** CPU figures with the rate from this provider's previous sample of `key`. */
  private cpuOf(key: string, usageNs: number | undefined, runtimeRate: number | undefined, at: number, time: string): CPUStats {
    const cpu: CPUStats = { time };
    if (usageNs === undefined) {
      if (runtimeRate !== undefined) cpu.usageNanoCores = runtimeRate;
      return cpu;
    }
    cpu.usageCoreNanoSeconds = usageNs;
    const { rate, baseline } = nextRate(this.previous.get(key), { usageNs, at });
    this.previous.set(key, baseline);
    // No sample of ours to compare with yet (first sight): the runtime's own figure stands in.
    const r = rate ?? runtimeRate;
    if (r !== undefined) cpu.usageNanoCores = r;
    return cpu;
  }
}

/**
 * The rate to report for a new sample, and the sample to keep: the new one once the interval is
 * long enough (or the counter went down: a fresh start), else the older one with its rate.
 */
export function nextRate(prev: Sample | undefined, cur: Sample): { rate: number | undefined; baseline: Sample } {
  if (!prev || cur.usageNs < prev.usageNs) return { rate: undefined, baseline: { ...cur, rate: undefined } };
  if (cur.at - prev.at >= MIN_RATE_INTERVAL_MS) {
    const rate = nanoCores(prev, cur);
    return { rate, baseline: { ...cur, rate } };
  }
  // Too soon: the last rate; before there is one, the short interval's (the first answer).
  const rate = prev.rate ?? nanoCores(prev, cur);
  return { rate, baseline: prev };
}

function better(aPreferred: boolean, aCreated: number, bPreferred: boolean, bCreated: number): boolean {
  if (aPreferred !== bPreferred) return aPreferred;
  return aCreated > bCreated;
}

/** A container's or a sandbox's memory figures as the Summary API has them. */
function memoryOf(s: CpuMemoryFigures, time: string): MemoryStats {
  const m: MemoryStats = { time };
  if (s.memoryAvailableBytes !== undefined) m.availableBytes = s.memoryAvailableBytes;
  if (s.memoryUsageBytes !== undefined) m.usageBytes = s.memoryUsageBytes;
  if (s.memoryWorkingSetBytes !== undefined) m.workingSetBytes = s.memoryWorkingSetBytes;
  if (s.memoryRssBytes !== undefined) m.rssBytes = s.memoryRssBytes;
  if (s.memoryPageFaults !== undefined) m.pageFaults = s.memoryPageFaults;
  if (s.memoryMajorPageFaults !== undefined) m.majorPageFaults = s.memoryMajorPageFaults;
  return m;
}

function iface(n: NetworkInterfaceUsage): InterfaceStats {
  const out: InterfaceStats = { name: n.name };
  if (n.rxBytes !== undefined) out.rxBytes = n.rxBytes;
  if (n.rxErrors !== undefined) out.rxErrors = n.rxErrors;
  if (n.txBytes !== undefined) out.txBytes = n.txBytes;
  if (n.txErrors !== undefined) out.txErrors = n.txErrors;
  return out;
}

function sumMemory(a: MemoryStats | undefined, b: MemoryStats): MemoryStats {
  if (!a) return { ...b };
  const out: MemoryStats = { time: b.time };
  for (const k of ['usageBytes', 'workingSetBytes', 'rssBytes', 'pageFaults', 'majorPageFaults'] as const) {
    if (a[k] !== undefined || b[k] !== undefined) out[k] = (a[k] ?? 0) + (b[k] ?? 0);
  }
  return out;
}
