import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { REPO } from '../../helpers/cli.js';

const run = promisify(execFile);
const dest = await mkdtemp(join(tmpdir(), 'staticlet-install-'));
after(() => rm(dest, { recursive: true, force: true }));

const install = (...args: string[]) => run('bash', [join(REPO, 'scripts/install.sh'), '--destdir', dest, ...args], { timeout: 120_000 });

test('scripts/install.sh puts the program, the unit and a default config in place, idempotently', async () => {
  await install();
  const prog = join(dest, 'opt/staticlet');
  for (const f of ['bin/staticlet.js', 'dist/src/cli/main.js', 'package.json', 'schemas', 'proto', 'node_modules/yaml/package.json']) await stat(join(prog, f));
  const unit = await readFile(join(dest, 'etc/systemd/system/staticlet.service'), 'utf8');
  assert.match(unit, /^Type=notify$/m);
  const config = join(dest, 'etc/staticlet/config.yaml');
  assert.match(await readFile(config, 'utf8'), /^staticPodPath: \/etc\/kubernetes\/manifests$/m);
  // The installed copy runs on its own (its node_modules are complete), from another directory.
  const manifests = join(dest, 'etc/kubernetes/manifests');
  await writeFile(join(manifests, 'web.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: a, image: busybox}]\n');
  const v = await run(process.execPath, [join(prog, 'bin/staticlet.js'), 'validate', '--config', config, manifests], { cwd: '/' });
  assert.match(v.stdout, /1 manifest valid/);
  // Its files are not group/world-writable: the rule staticlet applies to manifests.
  assert.equal((await stat(join(prog, 'bin/staticlet.js'))).mode & 0o022, 0);

  // Again, with an edited config: the program and unit are replaced, the config is kept.
  await writeFile(config, 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstaticPodPath: /srv/pods\n');
  await install();
  assert.match(await readFile(config, 'utf8'), /staticPodPath: \/srv\/pods/);
  await stat(join(prog, 'dist/src/cli/main.js'));
  assert.deepEqual((await readdir(join(dest, 'opt'))).sort(), ['staticlet'], 'no staging or old copies left behind');
});
