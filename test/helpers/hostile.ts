/**
 * Manifests written to hurt the supervisor, shared by the unit tests and the integration storm.
 * Each says what a well-behaved supervisor must answer (`reason`).
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';

export interface Hostile {
  name: string;
  text: string;
  reason: RegExp;
}

const POD = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: hostile\n';

/** 380,000 tiny documents: 3.4 MB, under the 4 MiB size cap. The old parse blocked for 10 s. */
export const manyDocuments = (): Hostile => ({ name: 'many-docs.yaml', text: 'a: 1\n---\n'.repeat(380_000), reason: /more than 500 YAML documents/ });

/** A pod whose spec holds 200 levels of JSON objects. */
export const deepJson = (): Hostile => ({
  name: 'deep.json',
  text: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"deep"},"spec":{"x":${'{"a":'.repeat(200)}1${'}'.repeat(200)}}}`,
  reason: /nesting deeper than 100 levels/,
});

/** The same in block YAML: one more space of indentation per level. */
export const deepYaml = (): Hostile => {
  let text = `${POD}spec:\n`;
  for (let i = 1; i <= 200; i++) text += `${' '.repeat(i)}k:\n`;
  return { name: 'deep.yaml', text, reason: /nesting deeper than 100 levels/ };
};

/** An anchor holding an alias to itself: toJS makes a cyclic object (once a stack overflow). */
export const selfAlias = (): Hostile => ({ name: 'self-alias.yaml', text: `${POD}spec: &a\n  x: *a\n`, reason: /alias \*a is inside its own anchor/ });

/** One 4 MB scalar, under the size cap. */
export const bigScalar = (): Hostile => ({ name: 'big-scalar.yaml', text: `${POD}  labels:\n    a: ${'x'.repeat(4_000_000)}\n`, reason: /a scalar of 4000000 characters/ });

/** The classic exponential alias expansion. */
export const aliasBomb = (): Hostile => ({
  name: 'bomb.yaml',
  text: ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...'bcdef'.split('').map((c, i) => `${c}: &${c} [${`*${'abcdef'[i]},`.repeat(9).slice(0, -1)}]`), 'g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]'].join('\n'),
  reason: /too many YAML alias expansions/,
});

/**
 * Within every limit but with thousands of mistakes in long keys (3.3 MB): the refusal must be
 * summarised, not kept whole. `tag` changes the first error, so each version is a new rejection.
 */
export function manyErrors(tag: string): Hostile {
  const docs: string[] = [];
  for (let d = 0; d < 400; d++) {
    const fields = Array.from({ length: 20 }, (_, j) => `  ${'u'.repeat(400)}${j}: 1`).join('\n');
    docs.push(`apiVersion: v1\nkind: Pod\nmetadata:\n  name: p${d}\nspec:\n  containers: []\n${d === 0 ? `  tag_${tag}: 1\n` : ''}${fields}\n`);
  }
  return { name: 'many-errors.yaml', text: docs.join('---\n'), reason: new RegExp(`unknown field "tag_${tag}"`) };
}

/** The longest event-loop stall while `work` runs, in milliseconds. */
export async function maxLoopDelay<T>(work: () => Promise<T>): Promise<{ value: T; maxDelayMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  try {
    const value = await work();
    return { value, maxDelayMs: h.max / 1e6 };
  } finally {
    h.disable();
  }
}

/**
 * A full garbage collection. node --test gives no --expose-gc, but V8 takes the flag at run
 * time and a fresh context then sees `gc`.
 */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  gc?.();
  gc?.();
}

/** What the heap and Buffers hold after a full collection, in bytes. */
export function retainedBytes(): number {
  collectGarbage();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const stormSleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The bad-input storm of issue 14 on one manifest directory: malformed YAML and JSON, binary
 * garbage, a 10 MB file, the hostile shapes above, a symlink loop, and a 10 MB file written
 * slowly (256 KiB every 50 ms) so that it is under the size limit for a while. Every round
 * writes new bytes, so each file is read and parsed again.
 */
export class ManifestStorm {
  private readonly fixed = [manyDocuments(), deepJson(), deepYaml(), selfAlias(), aliasBomb()];
  private readonly big = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\n  labels:\n${`    k${'x'.repeat(1000)}: v\n`.repeat(10_000)}`;
  constructor(readonly dir: string) {}

  /** Whole-file writes go through a rename, so that only the slow writer is ever half-written. */
  private async put(name: string, data: string | Buffer): Promise<void> {
    const tmp = join(this.dir, `.${name}.tmp`);
    await writeFile(tmp, data);
    await rename(tmp, join(this.dir, name));
  }

  async round(i: number): Promise<void> {
    await this.put('bad.yaml', `a: b: c ${i}\n  - [\n`);
    await this.put('bad.json', `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x${i}"`);
    await this.put('garbage.yaml', randomBytes(64 * 1024));
    await this.put('ten-mb.yaml', this.big);
    for (const f of this.fixed) await this.put(f.name, `${f.text}\n# ${i}\n`);
  }

  /** The symlink loop and a first round: what any first parse compiles or caches. */
  async warmUp(): Promise<void> {
    await symlink('loop-b.yaml', join(this.dir, 'loop-a.yaml'));
    await symlink('loop-a.yaml', join(this.dir, 'loop-b.yaml'));
    await this.round(0);
  }

  /** Rounds 100 ms apart and the slow writer, for `durationMs`. */
  async run(durationMs: number): Promise<void> {
    let running = true;
    const slowWriter = (async () => {
      while (running) {
        const fh = await open(join(this.dir, 'slow.yaml'), 'w');
        for (let off = 0; off < this.big.length && running; off += 256 * 1024) {
          await fh.write(this.big.slice(off, off + 256 * 1024));
          await stormSleep(50);
        }
        await fh.close();
      }
    })();
    const started = Date.now();
    try {
      for (let i = 1; Date.now() - started < durationMs; i++) {
        await this.round(i);
        await stormSleep(100);
      }
    } finally {
      running = false;
      await slowWriter;
    }
  }

  /** Every storm file gone: the supervisor should drop every rejection. */
  async clear(): Promise<void> {
    const names = ['bad.yaml', 'bad.json', 'garbage.yaml', 'ten-mb.yaml', 'slow.yaml', 'loop-a.yaml', 'loop-b.yaml', ...this.fixed.map((f) => f.name)];
    for (const f of names) await rm(join(this.dir, f), { force: true });
  }
}
