import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigPipeline } from '../../../src/config/pipeline.js';
import { DesiredState } from '../../../src/config/desired-state.js';
import { ManifestLoader } from '../../../src/config/manifest.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { defaultTrustPolicy, untrustedDirReason } from '../../../src/safepath/index.js';
import { DirectorySource } from '../../../src/sources/directory.js';
import { isBackupCopyName } from '../../../src/sources/ignore.js';
import { eventually, podYaml, tempDir } from '../../helpers/manifests.js';

/** nobody: a user that is neither root nor staticlet's (the tests run as root). */
const NOBODY = 65534;

describe('safe manifest directories', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let source: DirectorySource | undefined;
  let state: DesiredState;
  let pipeline: ConfigPipeline;

  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await pipeline?.stop();
    await source?.stop();
    source = undefined;
    await dir.cleanup();
  });

  async function start(path: string, allowInsecure = false): Promise<DirectorySource> {
    state = new DesiredState([`file:${path}`]);
    pipeline = new ConfigPipeline(new ManifestLoader({ nodeName: 'n1' }), state, silentLogger());
    // A short rescan: these tests are about the trust rules, and an edit made before chokidar's
    // initial scan has settled reaches the source through the rescan (the watcher's safety net).
    source = new DirectorySource({ path, logger: silentLogger(), maxBytes: 1 << 20, rescanMs: 500, missingPollMs: 50, trust: { policy: defaultTrustPolicy(), allowInsecure } });
    await pipeline.add(source);
    return source;
  }
  const refusal = (file: string): string => state.rejections().find((r) => r.source.location === file)?.errors.map((e) => e.message).join('; ') ?? '';
  const podNames = (): string[] => state.pods().map((p) => p.fullName).sort();

  test('mkdtemp directories under /tmp (root-owned, sticky) are trusted; /tmp itself as the manifest directory is not', async () => {
    assert.equal(await untrustedDirReason(dir.path, defaultTrustPolicy()), undefined);
    assert.match((await untrustedDirReason('/tmp', defaultTrustPolicy())) ?? '', /directory \/tmp is world-writable/);
  });

  test('a world-writable manifest is refused with the reason, its running pod kept; chmod fixes it without a restart', async () => {
    const web = join(dir.path, 'web.yaml');
    await writeFile(web, podYaml('web'));
    await start(dir.path);
    assert.deepEqual(podNames(), ['default/web-n1']);
    const uid = state.pods()[0]!.uid;
    await chmod(web, 0o666);
    await writeFile(web, podYaml('web', { image: 'busybox:2' })); // an edit that would restart it
    await eventually(() => refusal(web).includes('world-writable'), { what: 'refusal' });
    assert.match(refusal(web), /manifest .*web\.yaml is world-writable \(mode 0666\)/);
    assert.deepEqual(state.pods().map((p) => p.uid), [uid], 'the running pod is kept');
    await chmod(web, 0o644);
    await eventually(() => state.rejections().length === 0 && state.pods()[0]?.uid !== uid, { what: 'accepted after chmod' });
  });

  test('a manifest in a world-writable directory is refused; chmod of the directory fixes it', async () => {
    const sub = join(dir.path, 'manifests');
    await mkdir(sub, { mode: 0o755 });
    await chmod(sub, 0o777);
    const web = join(sub, 'web.yaml');
    await writeFile(web, podYaml('web'));
    await start(sub);
    assert.deepEqual(podNames(), []);
    assert.match(refusal(web), /directory .*manifests is world-writable \(mode 0777\)/);
    await chmod(sub, 0o755);
    await eventually(() => podNames().length === 1, { what: 'accepted after chmod of the directory' });
  });

  test('a group-writable directory higher up the path is refused too', async () => {
    const mid = join(dir.path, 'etc');
    const sub = join(mid, 'manifests');
    await mkdir(sub, { recursive: true, mode: 0o755 });
    await chmod(mid, 0o775);
    await writeFile(join(sub, 'web.yaml'), podYaml('web'));
    await start(sub);
    assert.match(refusal(join(sub, 'web.yaml')), /directory .*\/etc \(on the path to .*\) is group-writable/);
  });

  test('a manifest owned by another user is refused; chown back fixes it', async () => {
    const web = join(dir.path, 'web.yaml');
    await writeFile(web, podYaml('web'));
    await chown(web, NOBODY, NOBODY);
    await start(dir.path);
    assert.match(refusal(web), /owned by uid 65534, not root or staticlet's user/);
    await chown(web, 0, 0);
    await eventually(() => podNames().length === 1, { what: 'accepted after chown' });
  });

  test('a directory owned by another user is refused', async () => {
    const sub = join(dir.path, 'm');
    await mkdir(sub, { mode: 0o755 });
    await chown(sub, NOBODY, NOBODY);
    await writeFile(join(sub, 'web.yaml'), podYaml('web'));
    await start(sub);
    assert.match(refusal(join(sub, 'web.yaml')), /directory .*\/m is owned by uid 65534/);
  });

  test('--allow-insecure-manifests reads them all', async () => {
    const sub = join(dir.path, 'm');
    await mkdir(sub, { mode: 0o755 });
    await chmod(sub, 0o777);
    await writeFile(join(sub, 'a.yaml'), podYaml('a'));
    await writeFile(join(sub, 'b.yaml'), podYaml('b'));
    await chmod(join(sub, 'a.yaml'), 0o666);
    await chown(join(sub, 'b.yaml'), NOBODY, NOBODY);
    await start(sub, true);
    assert.deepEqual(podNames(), ['default/a-n1', 'default/b-n1']);
    assert.equal(state.rejections().length, 0);
  });

  test('web.yaml.bak next to web.yaml is ignored and listed', async () => {
    await writeFile(join(dir.path, 'web.yaml'), podYaml('web'));
    await writeFile(join(dir.path, 'web.yaml.bak'), podYaml('web', { image: 'old:1' }));
    await writeFile(join(dir.path, 'web.yaml.dpkg-old'), podYaml('web', { image: 'old:2' }));
    await writeFile(join(dir.path, '.hidden.yaml'), podYaml('hidden'));
    const s = await start(dir.path);
    assert.deepEqual(podNames(), ['default/web-n1']);
    assert.equal(state.rejections().length, 0, 'no name conflict with the backup copy');
    assert.deepEqual(s.ignoredFiles(), [join(dir.path, 'web.yaml.bak'), join(dir.path, 'web.yaml.dpkg-old')]);
  });

  test('backup copy names', () => {
    for (const n of ['a.bak', 'a.orig', 'a.old', 'a.save', 'a.swp', 'a.dpkg-dist', 'a.dpkg-new', 'a.rpmnew', 'a.rpmsave', 'a.disabled', 'a.yaml~']) assert.ok(isBackupCopyName(n), n);
    for (const n of ['a.yaml', 'a.yml', 'a.json', 'bold.yaml', '.a.bak']) assert.ok(!isBackupCopyName(n), n);
  });
});
