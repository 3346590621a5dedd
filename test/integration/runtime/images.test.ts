import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CriClient, ImageManager, ImagePullError, type ImageService } from '../../../src/runtime/index.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';

/** Counts PullImage calls so de-duplication is observable. */
function counting(inner: ImageService): ImageService & { pulls: number } {
  const wrapped = Object.create(inner) as ImageService & { pulls: number };
  wrapped.pulls = 0;
  wrapped.pullImage = (...args: Parameters<ImageService['pullImage']>) => {
    wrapped.pulls++;
    return inner.pullImage(...args);
  };
  return wrapped;
}

async function expectPullError(p: Promise<unknown>, reason: ImagePullError['reason']): Promise<ImagePullError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ImagePullError, `expected ImagePullError, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    return err;
  }
  assert.fail(`expected ${reason}`);
}

describe('image pulls from a local registry', () => {
  let env: ContainerdEnv;
  let client: CriClient;
  let reg: string;

  before(async () => {
    env = await startContainerd({ registry: true });
    assert.ok(env.registry, 'registry address');
    reg = env.registry;
    client = new CriClient({ endpoint: env.endpoint });
  });

  after(async () => {
    client?.close();
    await env?.down();
  });

  it('IfNotPresent pulls once, then uses the local image', async () => {
    const images = counting(client);
    const mgr = new ImageManager(images);
    const image = `${reg}/staticlet/busybox:1.36`;
    assert.equal(await client.imageStatus(image), null);
    const first = await mgr.ensureImage({ image, pullPolicy: 'IfNotPresent' });
    assert.equal(first.pulled, true);
    assert.match(first.imageRef, /^sha256:/);
    const second = await mgr.ensureImage({ image, pullPolicy: 'IfNotPresent' });
    assert.deepEqual(second, { imageRef: first.imageRef, pulled: false, user: { uid: 0, username: '' } });
    assert.equal(images.pulls, 1);
    const st = await client.imageStatus(image);
    assert.ok(st?.repoTags.includes(image));
  });

  it('Always pulls every time, and concurrent pulls of one image are shared', async () => {
    const images = counting(client);
    const mgr = new ImageManager(images);
    const image = `${reg}/staticlet/busybox:1.36`;
    const results = await Promise.all([1, 2, 3].map(() => mgr.ensureImage({ image, pullPolicy: 'Always' })));
    assert.equal(images.pulls, 1, 'three concurrent requests, one PullImage');
    assert.ok(results.every((r) => r.pulled));
    await mgr.ensureImage({ image, pullPolicy: 'Always' });
    assert.equal(images.pulls, 2);
  });

  it('Never uses a present image and refuses a missing one without pulling', async () => {
    const images = counting(client);
    const mgr = new ImageManager(images);
    const present = await mgr.ensureImage({ image: env.busyboxImage, pullPolicy: 'Never' });
    assert.equal(present.pulled, false);
    const err = await expectPullError(mgr.ensureImage({ image: `${reg}/staticlet/pause:3.10`, pullPolicy: 'Never' }), 'ErrImageNeverPull');
    assert.match(err.message, /not present with pull policy of Never/);
    assert.equal(images.pulls, 0);
  });

  it('defaults to Always for :latest and untagged images, IfNotPresent otherwise', async () => {
    const images = counting(client);
    const mgr = new ImageManager(images);
    await mgr.ensureImage({ image: `${reg}/staticlet/busybox:latest` });
    await mgr.ensureImage({ image: `${reg}/staticlet/busybox:latest` });
    assert.equal(images.pulls, 2);
    await mgr.ensureImage({ image: `${reg}/staticlet/busybox` });
    assert.equal(images.pulls, 3);
    const tagged = await mgr.ensureImage({ image: `${reg}/staticlet/pause:3.10` });
    assert.equal(tagged.pulled, true);
    assert.equal((await mgr.ensureImage({ image: `${reg}/staticlet/pause:3.10` })).pulled, false);
    assert.equal(images.pulls, 4);
  });

  it('a missing tag and a missing repository are ErrImagePull', async () => {
    const mgr = new ImageManager(client, { backoffBaseMs: 50, backoffMaxMs: 100 });
    const tag = await expectPullError(mgr.ensureImage({ image: `${reg}/staticlet/busybox:9.99`, pullPolicy: 'IfNotPresent' }), 'ErrImagePull');
    assert.match(tag.message, /not found/i);
    const repo = await expectPullError(mgr.ensureImage({ image: `${reg}/staticlet/no-such-image:1.0` }), 'ErrImagePull');
    assert.match(repo.message, /not found/i);
    assert.equal(mgr.lastFailure(`${reg}/staticlet/no-such-image:1.0`)?.reason, 'ErrImagePull');
  });

  it('turns repeated failures into ImagePullBackOff with a growing delay', async () => {
    const images = counting(client);
    const mgr = new ImageManager(images, { backoffBaseMs: 300, backoffMaxMs: 1_200 });
    const image = `${reg}/staticlet/missing:1.0`;
    const delays: number[] = [];
    for (let round = 0; round < 3; round++) {
      await expectPullError(mgr.ensureImage({ image }), 'ErrImagePull');
      const wait = mgr.backoffRemaining(image);
      delays.push(wait);
      const backoff = await expectPullError(mgr.ensureImage({ image }), 'ImagePullBackOff');
      assert.ok(backoff.retryAfterMs > 0 && backoff.retryAfterMs <= wait);
      assert.match(backoff.message, /Back-off pulling image/);
      assert.match(backoff.message, /not found/i, 'the pull error is kept as the reason');
      await new Promise((r) => setTimeout(r, wait + 20));
    }
    assert.equal(images.pulls, 3, 'no PullImage while backing off');
    assert.ok(delays[0]! > 200 && delays[0]! <= 300, `first delay ${delays[0]}`);
    assert.ok(delays[1]! > 500 && delays[1]! <= 600, `second delay ${delays[1]}`);
    assert.ok(delays[2]! > 1_100 && delays[2]! <= 1_200, `third delay ${delays[2]}`);
  });

  it('enforces the pull deadline', async () => {
    const mgr = new ImageManager(client, { pullTimeoutMs: 1 });
    const err = await expectPullError(mgr.ensureImage({ image: `${reg}/staticlet/busybox:1.36`, pullPolicy: 'Always' }), 'ErrImagePull');
    assert.match(err.message, /did not finish in time/);
  });

  it('lists, inspects and removes images', async () => {
    const image = `${reg}/staticlet/busybox:1.36`;
    await client.pullImage(image);
    const all = await client.listImages();
    assert.ok(all.some((i) => i.repoTags.includes(env.busyboxImage)));
    const fs = await client.imageFsInfo();
    assert.ok(fs.imageFilesystems.length >= 1);
    await client.removeImage(image);
    assert.equal(await client.imageStatus(image), null);
  });
});
