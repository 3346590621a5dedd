import type { Logger } from 'pino';
import { KeyedBackoff } from './backoff.js';
import { DeadlineExceededError, RuntimeError } from './errors.js';
import { decidePull, effectivePullPolicy, isValidImageRef, type PullPolicy } from './pull-policy.js';
import type { AuthConfig, Image, ImageService, PodSandboxConfig } from './types.js';

/** Waiting reasons the kubelet shows in container status for image problems. */
export type ImagePullReason = 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName';

export class ImagePullError extends Error {
  constructor(
    readonly reason: ImagePullReason,
    message: string,
    readonly image: string,
    /** For ImagePullBackOff: how long until the next pull attempt is allowed. */
    readonly retryAfterMs = 0,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ImagePullError';
  }
}

export interface ImageManagerOptions {
  /** First back-off after a failed pull (kubelet: 10 s). */
  backoffBaseMs?: number;
  /** Back-off ceiling (kubelet: 5 min). */
  backoffMaxMs?: number;
  /** Deadline for one PullImage call. */
  pullTimeoutMs?: number;
  now?: () => number;
  logger?: Logger;
  /** A pull finished: how long it took and the image's size (kubelet_image_pull_duration_seconds). */
  onPulled?: (seconds: number, sizeBytes: number) => void;
}

export interface EnsureImageRequest {
  image: string;
  pullPolicy?: PullPolicy | '';
  /** Back-off bucket; the kubelet uses pod UID + image so one pod's failures don't block another. */
  backoffKey?: string;
  auth?: AuthConfig;
  sandboxConfig?: PodSandboxConfig;
  /** Called when a pull is about to start (for a "Pulling" event). */
  onPulling?: () => void;
}

/** The user an image runs as by default, as ImageStatus reports it. */
export interface ImageUser {
  /** Numeric user when the image names one (or names none: root). */
  uid?: number;
  /** A non-numeric user name; the runtime resolves it inside the container. */
  username: string;
}

export interface EnsureImageResult {
  /** Reference to hand to CreateContainer (the runtime's image ID). */
  imageRef: string;
  pulled: boolean;
  /** Absent only when the runtime could not report the image after pulling it. */
  user?: ImageUser;
}

/**
 * The kubelet's reading of an image's user: a uid wins, then a user name, and an image that
 * names neither runs as root.
 */
export function imageUser(img: Image): ImageUser {
  if (img.uid !== undefined) return { uid: img.uid, username: '' };
  if (img.username !== '') return { username: img.username };
  return { uid: 0, username: '' };
}

export interface LastPullFailure {
  reason: ImagePullReason;
  message: string;
  at: number;
}

export const DEFAULT_IMAGE_BACKOFF_BASE_MS = 10_000;
export const DEFAULT_IMAGE_BACKOFF_MAX_MS = 300_000;
export const DEFAULT_PULL_TIMEOUT_MS = 5 * 60_000;

/**
 * Makes sure an image is present according to its pull policy. Concurrent requests for the same
 * image share one PullImage call; failures put the back-off key into ImagePullBackOff.
 */
export class ImageManager {
  private readonly backoff: KeyedBackoff;
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly failures = new Map<string, LastPullFailure>();
  private readonly pullTimeoutMs: number;
  private readonly now: () => number;
  private readonly log: Logger | undefined;
  private readonly onPulled: ((seconds: number, sizeBytes: number) => void) | undefined;

  constructor(private readonly images: ImageService, opts: ImageManagerOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.backoff = new KeyedBackoff({
      baseMs: opts.backoffBaseMs ?? DEFAULT_IMAGE_BACKOFF_BASE_MS,
      maxMs: opts.backoffMaxMs ?? DEFAULT_IMAGE_BACKOFF_MAX_MS,
      now: this.now,
    });
    this.pullTimeoutMs = opts.pullTimeoutMs ?? DEFAULT_PULL_TIMEOUT_MS;
    this.log = opts.logger;
    this.onPulled = opts.onPulled;
  }

  async ensureImage(req: EnsureImageRequest): Promise<EnsureImageResult> {
    const { image } = req;
    if (!isValidImageRef(image)) {
      throw this.fail(req, new ImagePullError('InvalidImageName', `Failed to apply default image tag "${image}": invalid reference format`, image));
    }
    const policy = effectivePullPolicy(image, req.pullPolicy);
    const key = req.backoffKey ?? image;

    const present = policy === 'Always' ? null : await this.images.imageStatus(image);
    const decision = decidePull(policy, present !== null);
    if (decision === 'use-present' && present) return { imageRef: present.id, pulled: false, user: imageUser(present) };
    if (decision === 'never-pull-missing') {
      throw this.fail(req, new ImagePullError('ErrImageNeverPull', `Container image "${image}" is not present with pull policy of Never`, image));
    }

    const wait = this.backoff.remaining(key);
    if (wait > 0) {
      const last = this.failures.get(key);
      const why = last ? `: ${last.message}` : '';
      // Keeps the ErrImagePull text as the cause, as the kubelet's status message does.
      throw new ImagePullError('ImagePullBackOff', `Back-off pulling image "${image}"${why}`, image, wait);
    }

    try {
      req.onPulling?.();
      const pullFrom = performance.now();
      const imageRef = await this.pullShared(req);
      const pullSeconds = (performance.now() - pullFrom) / 1000;
      this.backoff.reset(key);
      this.failures.delete(key);
      // One more status call only after a pull, to learn the user the new image runs as.
      const pulled = await this.images.imageStatus(imageRef).catch(() => null);
      this.onPulled?.(pullSeconds, pulled?.size ?? 0);
      return { imageRef, pulled: true, ...(pulled ? { user: imageUser(pulled) } : {}) };
    } catch (err) {
      const delay = this.backoff.next(key);
      const msg = describePullError(image, err);
      this.log?.warn({ image, backoffMs: delay, err: msg }, 'image pull failed');
      throw this.fail(req, new ImagePullError('ErrImagePull', msg, image, 0, { cause: err }));
    }
  }

  /** The last failure for a back-off key (default: the image), for pod status. */
  lastFailure(keyOrImage: string): LastPullFailure | undefined {
    return this.failures.get(keyOrImage);
  }

  /** Milliseconds until the key may be pulled again. */
  backoffRemaining(keyOrImage: string): number {
    return this.backoff.remaining(keyOrImage);
  }

  /** Forgets back-off and failure entries that would start over anyway; bounds memory. */
  gc(): void {
    this.backoff.gc();
    for (const k of this.failures.keys()) if (this.backoff.get(k) === 0) this.failures.delete(k);
  }

  private pullShared(req: EnsureImageRequest): Promise<string> {
    const existing = this.inflight.get(req.image);
    if (existing) return existing;
    const p = this.images
      .pullImage(req.image, req.auth, req.sandboxConfig, { timeoutMs: this.pullTimeoutMs })
      .finally(() => this.inflight.delete(req.image));
    this.inflight.set(req.image, p);
    return p;
  }

  private fail(req: EnsureImageRequest, e: ImagePullError): ImagePullError {
    this.failures.set(req.backoffKey ?? req.image, { reason: e.reason, message: e.message, at: this.now() });
    return e;
  }
}

function describePullError(image: string, err: unknown): string {
  if (err instanceof DeadlineExceededError) return `Failed to pull image "${image}": pull did not finish in time`;
  const details = err instanceof RuntimeError ? err.details : err instanceof Error ? err.message : String(err);
  return `Failed to pull image "${image}": ${details}`;
}
