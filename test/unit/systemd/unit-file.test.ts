import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { REPO } from '../../helpers/cli.js';

const run = promisify(execFile);
const UNIT = join(REPO, 'systemd/staticlet.service');
const haveAnalyze = await run('systemd-analyze', ['--version']).then(() => true, () => false);

/** The score the unit must stay at or below (the kubeadm kubelet unit: 9.6 UNSAFE). */
const MAX_EXPOSURE = 4.9;

test('systemd-analyze security --offline=true scores the unit', { skip: !haveAnalyze && 'systemd-analyze is not installed' }, async () => {
  // Exit status 0 whatever the score: the score is read from the last line.
  const { stdout } = await run('systemd-analyze', ['security', '--offline=true', '--no-pager', UNIT]);
  const m = /Overall exposure level for staticlet\.service: ([\d.]+) (\S+)/.exec(stdout);
  assert.ok(m, stdout);
  console.log(`systemd-analyze security: ${m[1]} ${m[2]}`);
  assert.ok(Number(m[1]) <= MAX_EXPOSURE, `exposure ${m[1]} > ${MAX_EXPOSURE}:\n${stdout}`);
});

test('systemd-analyze verify accepts the unit', { skip: !haveAnalyze && 'systemd-analyze is not installed' }, async () => {
  // ExecStart is /usr/bin/env (which exists), so verify needs no staticlet installed under /opt.
  const r = await run('systemd-analyze', ['verify', '--man=no', UNIT]).then(
    (o) => ({ code: 0, stderr: o.stderr }),
    (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
  );
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /staticlet\.service/, r.stderr);
});

test('the unit is Type=notify with a watchdog, leaves pods running, and keeps its Node flags and malloc tuning', async () => {
  const text = await readFile(UNIT, 'utf8');
  const has = (line: string): void => assert.match(text, new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), line);
  has('Type=notify');
  has('NotifyAccess=all');
  has('WatchdogSec=30s');
  has('KillMode=process');
  has('Environment=MALLOC_MMAP_THRESHOLD_=131072 MALLOC_ARENA_MAX=2');
  has('ExecStart=/usr/bin/env node --single-threaded-gc /opt/staticlet/bin/staticlet.js run --config /etc/staticlet/config.yaml');
  // Each mount-namespace option is left out on purpose (see the unit's comment): mounts staticlet
  // makes must reach containerd.
  for (const opt of ['ProtectSystem', 'PrivateTmp', 'ProtectHome', 'PrivateDevices', 'ReadWritePaths', 'RestrictSUIDSGID']) {
    assert.doesNotMatch(text, new RegExp(`^${opt}=`, 'm'), `${opt}= must stay out`);
  }
});
