import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CliProcess, runCli } from '../../helpers/cli.js';
import { eventually, podYaml, tempDir } from '../../helpers/manifests.js';

const dir = await tempDir('stl-trust-');
after(() => dir.cleanup());
let proc: CliProcess | undefined;
after(async () => void (await proc?.stop('SIGKILL')));

// No runtime is needed: manifests are read, and the status socket answers, before it is reached.
const start = (manifests: string, root: string, extra: string[] = []): CliProcess =>
  new CliProcess([
    'run', '--port', '0', '--healthz-port', '0', '--pod-manifest-path', manifests, '--root-dir', root, '--container-runtime-endpoint', `unix://${join(root, 'none.sock')}`,
    '--hostname-override', 'node-1', '--logging-format', 'json', ...extra,
  ]);

test('staticlet pods lists an insecure manifest as refused, with the reason, and backup copies as ignored', async () => {
  const manifests = join(dir.path, 'manifests');
  await mkdir(manifests, { mode: 0o755 });
  await writeFile(join(manifests, 'web.yaml'), podYaml('web'));
  await writeFile(join(manifests, 'web.yaml.bak'), podYaml('web', { image: 'old:1' }));
  await writeFile(join(manifests, 'db.yaml'), podYaml('db'));
  await chmod(join(manifests, 'db.yaml'), 0o666);
  proc = start(manifests, join(dir.path, 'root'));
  await proc.waitFor((l) => l.msg === 'initial manifests loaded');
  const table = await eventually(async () => {
    const r = await runCli(['pods', '--root-dir', join(dir.path, 'root')]);
    return r.code === 0 && r.stdout.includes('Ignored files') ? r.stdout : undefined;
  }, { timeoutMs: 10_000, intervalMs: 200, what: 'pods output' });
  assert.match(table, /db\.yaml/);
  assert.match(table, /world-writable \(mode 0666\)/);
  assert.match(table, new RegExp(`Ignored files \\(backup copies, not read as manifests\\):\\n  ${join(manifests, 'web.yaml.bak').replace(/[.]/g, '\\.')}\\n`));
  assert.ok(proc.lines.some((l) => l.msg === 'backup copies in the static pod directory are not read as manifests'));

  // chmod fixes it while running: the refusal goes.
  await chmod(join(manifests, 'db.yaml'), 0o644);
  await eventually(async () => !(await runCli(['pods', '--root-dir', join(dir.path, 'root')])).stdout.includes('world-writable'), { timeoutMs: 10_000, intervalMs: 200, what: 'refusal gone' });
  await proc.stop('SIGKILL');
  proc = undefined;
});

test('--allow-insecure-manifests reads it, with a warning', async () => {
  const manifests = join(dir.path, 'open');
  await mkdir(manifests, { mode: 0o755 });
  await chmod(manifests, 0o777);
  await writeFile(join(manifests, 'web.yaml'), podYaml('web'));
  proc = start(manifests, join(dir.path, 'root2'), ['--allow-insecure-manifests']);
  const loaded = await proc.waitFor((l) => l.msg === 'initial manifests loaded');
  assert.equal(loaded.rejected, 0);
  assert.equal(loaded.pods, 1);
  assert.ok(proc.lines.some((l) => l.msg === 'static pod directory could be written by others; reading it anyway (--allow-insecure-manifests)'));
});
