import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadlineExceededError, ImageManager, ImagePullError, NotFoundError, type Image, type ImageService } from '../../../src/runtime/index.js';

/** In-memory ImageService: `registry` holds pullable images; pulls resolve when `release()` is called. */
class FakeImages implements ImageService {
  local = new Map<string, Image>();
  registry = new Set<string>();
  pulls: string[] = [];
  failWith: Error | undefined;
  private waiting: Array<() => void> = [];

  async listImages(): Promise<Image[]> {
    return [...this.local.values()];
  }
  async imageStatus(image: string): Promise<Image | null> {
    return this.local.get(image) ?? null;
  }
  async pullImage(image: string): Promise<string> {
    this.pulls.push(image);
    await new Promise<void>((r) => this.waiting.push(r));
    if (this.failWith) throw this.failWith;
    if (!this.registry.has(image)) throw new NotFoundError('PullImage', `failed to resolve reference "${image}": not found`);
    const img: Image = { id: `sha256:${image.length}`, repoTags: [image], repoDigests: [], size: 1, username: '', pinned: false };
    this.local.set(image, img);
    return img.id;
  }
  async removeImage(image: string): Promise<void> {
    this.local.delete(image);
  }
  async imageFsInfo() {
    return { imageFilesystems: [], containerFilesystems: [] };
  }
  release(): void {
    for (const r of this.waiting.splice(0)) r();
  }
}

/** Runs `p` while releasing pending pulls on every tick. */
async function settle<T>(fake: FakeImages, p: Promise<T>): Promise<T> {
  const timer = setInterval(() => fake.release(), 1);
  try {
    return await p;
  } finally {
    clearInterval(timer);
  }
}

async function reasonOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof ImagePullError, String(err));
    return err.reason;
  }
}

describe('ImageManager', () => {
  it('de-duplicates concurrent pulls of one image', async () => {
    const fake = new FakeImages();
    fake.registry.add('app:1');
    const mgr = new ImageManager(fake);
    const all = Promise.all([1, 2, 3].map(() => mgr.ensureImage({ image: 'app:1', pullPolicy: 'Always' })));
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(fake.pulls.length, 1);
    fake.release();
    const results = await all;
    assert.ok(results.every((r) => r.pulled && r.imageRef === 'sha256:5'));
  });

  it('walks ErrImagePull → ImagePullBackOff → ErrImagePull with doubling delays', async () => {
    let t = 0;
    const fake = new FakeImages();
    const mgr = new ImageManager(fake, { now: () => t, backoffBaseMs: 10_000, backoffMaxMs: 300_000 });
    const ensure = () => settle(fake, mgr.ensureImage({ image: 'ghost:1' }));
    assert.equal(await reasonOf(ensure()), 'ErrImagePull');
    assert.equal(mgr.backoffRemaining('ghost:1'), 10_000);
    t += 5_000;
    assert.equal(await reasonOf(ensure()), 'ImagePullBackOff');
    assert.equal(fake.pulls.length, 1);
    t += 5_000;
    assert.equal(await reasonOf(ensure()), 'ErrImagePull');
    assert.equal(mgr.backoffRemaining('ghost:1'), 20_000);
    t += 19_999;
    assert.equal(await reasonOf(ensure()), 'ImagePullBackOff');
    t += 1;
    assert.equal(await reasonOf(ensure()), 'ErrImagePull');
    assert.equal(mgr.backoffRemaining('ghost:1'), 40_000);
    assert.equal(mgr.lastFailure('ghost:1')?.reason, 'ErrImagePull');
    assert.match(mgr.lastFailure('ghost:1')?.message ?? '', /not found/);

    // Once the image exists, the next allowed attempt succeeds and clears the record.
    fake.registry.add('ghost:1');
    t += 40_000;
    assert.equal(await reasonOf(ensure()), 'ok');
    assert.equal(mgr.lastFailure('ghost:1'), undefined);
    assert.equal(mgr.backoffRemaining('ghost:1'), 0);
  });

  it('keeps back-off per key, so one pod does not block another', async () => {
    const fake = new FakeImages();
    const mgr = new ImageManager(fake, { backoffBaseMs: 60_000, backoffMaxMs: 60_000 });
    assert.equal(await reasonOf(settle(fake, mgr.ensureImage({ image: 'x:1', backoffKey: 'podA/x:1' }))), 'ErrImagePull');
    assert.equal(await reasonOf(settle(fake, mgr.ensureImage({ image: 'x:1', backoffKey: 'podA/x:1' }))), 'ImagePullBackOff');
    assert.equal(await reasonOf(settle(fake, mgr.ensureImage({ image: 'x:1', backoffKey: 'podB/x:1' }))), 'ErrImagePull');
  });

  it('applies the policy table without pulling when it says so', async () => {
    const fake = new FakeImages();
    fake.local.set('here:1', { id: 'sha256:here', repoTags: ['here:1'], repoDigests: [], size: 1, username: '', pinned: false });
    const mgr = new ImageManager(fake);
    assert.deepEqual(await mgr.ensureImage({ image: 'here:1', pullPolicy: 'IfNotPresent' }), { imageRef: 'sha256:here', pulled: false, user: { uid: 0, username: '' } });
    assert.deepEqual(await mgr.ensureImage({ image: 'here:1', pullPolicy: 'Never' }), { imageRef: 'sha256:here', pulled: false, user: { uid: 0, username: '' } });
    assert.deepEqual(await mgr.ensureImage({ image: 'here:1' }), { imageRef: 'sha256:here', pulled: false, user: { uid: 0, username: '' } });
    assert.equal(await reasonOf(mgr.ensureImage({ image: 'gone:1', pullPolicy: 'Never' })), 'ErrImageNeverPull');
    assert.equal(await reasonOf(mgr.ensureImage({ image: 'Bad Name' })), 'InvalidImageName');
    assert.equal(fake.pulls.length, 0);
  });

  it('reports a pull deadline as ErrImagePull', async () => {
    const fake = new FakeImages();
    fake.failWith = new DeadlineExceededError('PullImage', 'deadline exceeded');
    const mgr = new ImageManager(fake);
    const err = await settle(fake, mgr.ensureImage({ image: 'slow:1' })).catch((e: unknown) => e);
    assert.ok(err instanceof ImagePullError);
    assert.equal(err.reason, 'ErrImagePull');
    assert.match(err.message, /did not finish in time/);
  });
});
