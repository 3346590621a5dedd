import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

/** A V8 CPU profile of this process between start() and stop() (in-process phase only). */
export class Profiler {
  private readonly session = new Session();

  async start(): Promise<void> {
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.start');
  }

  /** Writes the .cpuprofile (loadable in Chrome DevTools) and returns the top self-time lines. */
  async stop(path: string, top = 20): Promise<string[]> {
    const { profile } = (await this.session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    this.session.disconnect();
    await writeFile(path, JSON.stringify(profile));
    const total = profile.nodes.reduce((n, x) => n + (x.hitCount ?? 0), 0);
    const byFn = new Map<string, number>();
    for (const n of profile.nodes) {
      const { functionName, url, lineNumber } = n.callFrame;
      const file = url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules\/|dist\/)/, '$1');
      const key = `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
      byFn.set(key, (byFn.get(key) ?? 0) + (n.hitCount ?? 0));
    }
    return [...byFn.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, hits]) => `${((hits / Math.max(1, total)) * 100).toFixed(1).padStart(5)} %  ${k}`);
  }
}
