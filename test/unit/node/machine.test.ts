import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goArch, osImageFrom, readMachineInfo } from '../../../src/node/machine.js';
import { nodeLabels } from '../../../src/node/labels.js';

test('osImage is os-release PRETTY_NAME, unquoted; Unknown without one', () => {
  assert.equal(osImageFrom('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'), 'Debian GNU/Linux 12 (bookworm)');
  assert.equal(osImageFrom("PRETTY_NAME='Alpine Linux v3.20'"), 'Alpine Linux v3.20');
  assert.equal(osImageFrom('PRETTY_NAME=Plain'), 'Plain');
  assert.equal(osImageFrom('NAME=x'), 'Unknown');
  assert.equal(osImageFrom(undefined), 'Unknown');
});

test("architectures in Go's spelling", () => {
  assert.equal(goArch('x64'), 'amd64');
  assert.equal(goArch('arm64'), 'arm64');
  assert.equal(goArch('ppc64'), 'ppc64le');
});

test('machine info of this machine: boot ID, kernel, linux', async () => {
  const m = await readMachineInfo();
  assert.match(m.bootID, /^[0-9a-f-]{36}$/);
  assert.ok(m.kernelVersion.length > 0);
  assert.equal(m.operatingSystem, 'linux');
  assert.equal(m.architecture, goArch());
  assert.deepEqual(Object.keys(nodeLabels('n', { a: 'b', 'kubernetes.io/hostname': 'x' })).sort(), ['a', 'beta.kubernetes.io/arch', 'beta.kubernetes.io/os', 'kubernetes.io/arch', 'kubernetes.io/hostname', 'kubernetes.io/os']);
  assert.equal(nodeLabels('n', { 'kubernetes.io/hostname': 'x' })['kubernetes.io/hostname'], 'x', '--node-labels win');
});
