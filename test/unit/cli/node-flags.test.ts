import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serviceEnvironment, serviceNodeFlags } from '../../../bench/lib/node-flags.js';

const repo = (p: string): string => fileURLToPath(new URL(`../../../../${p}`, import.meta.url));

describe('the Node flags staticlet runs with', () => {
  test('the systemd unit passes flags this Node accepts (a typo would stop the service from starting)', () => {
    const flags = serviceNodeFlags();
    assert.ok(flags.includes('--single-threaded-gc'), `unit flags: ${flags.join(' ')}`);
    const r = spawnSync(process.execPath, [...flags, '-e', '0'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  test('npm run demo and npm run bench:probes run with the same flags as the unit', () => {
    const flags = serviceNodeFlags().join(' ');
    const env = Object.entries(serviceEnvironment()).map(([k, v]) => `${k}=${v} `).join('');
    assert.ok(readFileSync(repo('scripts/demo.sh'), 'utf8').includes(`${env}node ${flags} bin/staticlet.js "\${exec_args[@]}"`));
    const pkg = JSON.parse(readFileSync(repo('package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.match(pkg.scripts['bench:probes']!, new RegExp(`node ${flags} dist/bench/probes\\.js`));
  });

  test("the unit's environment fixes glibc malloc's mmap threshold (resident memory after a storm of big manifests)", () => {
    assert.deepEqual(serviceEnvironment(), { MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_ARENA_MAX: '2' });
    assert.deepEqual(serviceEnvironment('[Service]\nEnvironment=A=1 B=x=y\nEnvironment=C=\n'), { A: '1', B: 'x=y', C: '' });
  });

  test('flags are the words between node and the script on ExecStart', () => {
    assert.deepEqual(serviceNodeFlags('[Service]\nExecStart=/usr/bin/env node --a --b=1 /opt/x/bin/staticlet.js run --config c\n'), ['--a', '--b=1']);
    assert.deepEqual(serviceNodeFlags('ExecStart=/usr/local/bin/node /srv/bin/staticlet.js run\n'), []);
    assert.throws(() => serviceNodeFlags('[Service]\nRestart=always\n'), /no ExecStart/);
    assert.throws(() => serviceNodeFlags('ExecStart=/usr/bin/staticlet run\n'), /cannot find/);
  });
});
