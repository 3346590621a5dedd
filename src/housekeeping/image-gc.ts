/**
 * Image garbage collection as the kubelet's realImageGCManager does it: when the image
 * filesystem's usage reaches imageGCHighThresholdPercent, unused images are removed, least
 * recently used first, until usage is down to imageGCLowThresholdPercent; images detected less
 * than imageMinimumGCAge ago are spared; with imageMaximumGCAge, an image unused for that long
 * goes whatever the usage. Never removed: an image any container uses, the sandbox (pause)
 * image, an image the runtime pins.
 */
import type { Image, ImageService, Runtime } from '../runtime/index.js';
import { JobError, type JobOutcome } from './scheduler.js';
import { fsFigures, type FsFigures } from './signals.js';

export interface ImageGCPolicy {
  highThresholdPercent: number;
  lowThresholdPercent: number;
  minimumAgeMs: number;
  /** 0: off. */
  maximumAgeMs: number;
}

export const DEFAULT_IMAGE_GC_POLICY: ImageGCPolicy = { highThresholdPercent: 85, lowThresholdPercent: 80, minimumAgeMs: 120_000, maximumAgeMs: 0 };

interface ImageRecord {
  /** When staticlet first saw the image (this run). */
  firstDetected: number;
  /** When a container last used it; the detection time until one does, as the kubelet. */
  lastUsed: number;
  size: number;
}

export interface ImageGCDeps {
  runtime: Pick<ImageService, 'listImages' | 'removeImage' | 'imageFsInfo'> & Pick<Runtime, 'listContainers' | 'status'>;
  policy: ImageGCPolicy;
  now?: () => number;
  /** The image filesystem's figures; default statfs of ImageFsInfo's mountpoint. */
  fs?: (mountpoint: string) => Promise<FsFigures | undefined>;
  /** Called for every image removed, in order (tests read the order; logs say what went). */
  onRemoved?: (image: Image, reason: string) => void;
}

/** What `freeSpace` may pick from, in the order it picks. */
export interface Candidate {
  image: Image;
  record: ImageRecord;
}

/** The sandbox image from the runtime's verbose status (containerd: config.sandboxImage, or config.pinnedImages.sandbox). */
export function sandboxImageOf(info: Record<string, string>): string | undefined {
  const raw = info['config'];
  if (!raw) return undefined;
  try {
    const c = JSON.parse(raw) as { sandboxImage?: unknown; pinnedImages?: { sandbox?: unknown } };
    const v = c.sandboxImage ?? c.pinnedImages?.sandbox;
    return typeof v === 'string' && v !== '' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The names an image answers to: its ID, tags and digests, with docker.io's short forms. */
function namesOf(img: Image): Set<string> {
  const out = new Set<string>([img.id]);
  for (const n of [...img.repoTags, ...img.repoDigests]) {
    out.add(n);
    // docker.io/library/busybox:1.36 is what "busybox:1.36" resolves to.
    const m = /^docker\.io\/(?:library\/)?(.+)$/.exec(n);
    if (m) out.add(m[1]!);
  }
  return out;
}

export class ImageGC {
  private readonly records = new Map<string, ImageRecord>();
  private readonly now: () => number;

  constructor(private readonly deps: ImageGCDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * The kubelet's detectImages: every image gets a record on first sight; images used by a
   * container (running or not: a dead one may be restarted) are marked used now. Returns the
   * images and the set of IDs in use.
   */
  async detect(): Promise<{ images: Image[]; inUse: Set<string>; sandboxImage: string | undefined }> {
    const now = this.now();
    const [images, containers, status] = await Promise.all([
      this.deps.runtime.listImages(),
      this.deps.runtime.listContainers(),
      this.deps.runtime.status(true).catch(() => undefined),
    ]);
    const used = new Set<string>();
    for (const c of containers) {
      if (c.imageRef) used.add(c.imageRef);
      if (c.image) used.add(c.image);
    }
    const inUse = new Set<string>();
    const live = new Set<string>();
    for (const img of images) {
      live.add(img.id);
      const r = this.records.get(img.id) ?? { firstDetected: now, lastUsed: now, size: img.size };
      r.size = img.size;
      this.records.set(img.id, r);
      if ([...namesOf(img)].some((n) => used.has(n))) {
        inUse.add(img.id);
        r.lastUsed = now;
      }
    }
    // Images removed by anyone are forgotten.
    for (const id of [...this.records.keys()]) if (!live.has(id)) this.records.delete(id);
    return { images, inUse, sandboxImage: status ? sandboxImageOf(status.info) : undefined };
  }

  /** The images that may go, least recently used first (then first detected, as the kubelet sorts). */
  candidates(images: readonly Image[], inUse: ReadonlySet<string>, sandboxImage: string | undefined): Candidate[] {
    const out: Candidate[] = [];
    for (const image of images) {
      const record = this.records.get(image.id);
      if (!record || inUse.has(image.id) || image.pinned) continue;
      if (sandboxImage && namesOf(image).has(sandboxImage)) continue;
      out.push({ image, record });
    }
    return out.sort((a, b) => a.record.lastUsed - b.record.lastUsed || a.record.firstDetected - b.record.firstDetected);
  }

  /**
   * One collection: the old images (imageMaximumGCAge), then enough for the low threshold.
   * `all` (disk pressure, the kubelet's DeleteUnusedImages): every unused image past the
   * minimum age, whatever the thresholds say.
   */
  async collect(opts: { all?: boolean } = {}): Promise<JobOutcome> {
    const { policy } = this.deps;
    const { images, inUse, sandboxImage } = await this.detect();
    const now = this.now();
    let freed = 0;
    let removed = 0;
    const gone = new Set<string>();
    const remove = async (c: Candidate, reason: string): Promise<void> => {
      await this.deps.runtime.removeImage(c.image.id);
      gone.add(c.image.id);
      this.records.delete(c.image.id);
      freed += c.image.size;
      removed++;
      this.deps.onRemoved?.(c.image, reason);
    };
    const list = this.candidates(images, inUse, sandboxImage);
    if (policy.maximumAgeMs > 0) {
      for (const c of list) if (now - c.record.lastUsed > policy.maximumAgeMs) await remove(c, 'unused longer than imageMaximumGCAge');
    }
    if (opts.all) {
      for (const c of list) {
        if (gone.has(c.image.id) || now - c.record.firstDetected < policy.minimumAgeMs) continue;
        await remove(c, 'disk pressure');
      }
      return { freedBytes: freed, removed, message: 'disk pressure: every unused image past the minimum age removed' };
    }
    const usage = await this.usage();
    if (!usage) return { freedBytes: freed, removed, message: 'image filesystem figures unavailable; only imageMaximumGCAge applied' };
    const { available, capacity } = usage.bytes;
    if (capacity === 0n) return { freedBytes: freed, removed };
    // The kubelet's arithmetic: usage in whole percent, the target in bytes of available space.
    const usagePercent = 100 - Number((available * 100n) / capacity);
    if (usagePercent < policy.highThresholdPercent) {
      return { freedBytes: freed, removed, message: `image filesystem ${usagePercent}% used, below the ${policy.highThresholdPercent}% high threshold` };
    }
    // Measured after the old images went: what they freed is already in `available`.
    const toFree = Number((capacity * BigInt(100 - policy.lowThresholdPercent)) / 100n - available);
    if (toFree <= 0) return { freedBytes: freed, removed };
    let spaceFreed = 0;
    for (const c of list) {
      if (gone.has(c.image.id)) continue;
      // Too new: an image just pulled for a pod about to start would be lost.
      if (now - c.record.firstDetected < policy.minimumAgeMs) continue;
      await remove(c, `image filesystem ${usagePercent}% used (high threshold ${policy.highThresholdPercent}%)`);
      spaceFreed += c.image.size;
      if (spaceFreed >= toFree) break;
    }
    if (spaceFreed < toFree) {
      // The kubelet's words, so that alerting written for it matches.
      throw new JobError(`Failed to garbage collect required amount of images. Attempted to free ${toFree} bytes, but only found ${spaceFreed} bytes eligible to free.`, { freedBytes: freed, removed });
    }
    return { freedBytes: freed, removed, message: `image filesystem was ${usagePercent}% used` };
  }

  private async usage(): Promise<FsFigures | undefined> {
    const info = await this.deps.runtime.imageFsInfo();
    const mount = info.imageFilesystems[0]?.mountpoint;
    if (!mount) return undefined;
    return (this.deps.fs ?? fsFigures)(mount);
  }
}
