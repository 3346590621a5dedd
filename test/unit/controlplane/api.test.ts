// The kubeconfig as the node's own client reads it: the current context's cluster and user,
// files relative to the kubeconfig, inline *-data, tokens and insecure-skip-tls-verify.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiError, errorText, microTime, readKubeconfig, statusCode } from '../../../src/controlplane/api.js';

test('readKubeconfig: current context, relative files, inline data, token', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'staticlet-kc-'));
  try {
    await writeFile(join(dir, 'ca.crt'), 'CA');
    await writeFile(join(dir, 'kubeconfig'), [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- {name: other, cluster: {server: "https://other:1"}}',
      '- {name: c, cluster: {server: "https://10.0.0.1:6443/", certificate-authority: ca.crt}}',
      'users:',
      `- {name: u, user: {client-certificate-data: ${Buffer.from('CERT').toString('base64')}, client-key-data: ${Buffer.from('KEY').toString('base64')}}}`,
      '- {name: t, user: {token: abc}}',
      'contexts:',
      '- {name: x, context: {cluster: c, user: u}}',
      '- {name: y, context: {cluster: other, user: t}}',
      'current-context: x',
      '',
    ].join('\n'));
    const c = readKubeconfig(join(dir, 'kubeconfig'));
    assert.equal(c.server, 'https://10.0.0.1:6443');
    assert.equal(c.ca?.toString(), 'CA');
    assert.equal(c.cert?.toString(), 'CERT');
    assert.equal(c.key?.toString(), 'KEY');
    assert.equal(c.token, undefined);
    assert.equal(c.insecure, false);
    await writeFile(join(dir, 'kc2'), 'clusters: [{name: c, cluster: {server: "https://h:1", insecure-skip-tls-verify: true}}]\nusers: [{name: t, user: {token: abc}}]\ncontexts: [{name: y, context: {cluster: c, user: t}}]\ncurrent-context: y\n');
    const t = readKubeconfig(join(dir, 'kc2'));
    assert.deepEqual(t, { server: 'https://h:1', insecure: true, token: 'abc' });
    await writeFile(join(dir, 'kc3'), 'clusters: []\n');
    assert.throws(() => readKubeconfig(join(dir, 'kc3')), /no current cluster/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('errors read as before: the Status message with its code, or the transport error', () => {
  const e = new ApiError('HTTP-Code: 403', 403, JSON.stringify({ kind: 'Status', message: 'nodes is forbidden: no' }));
  assert.equal(statusCode(e), 403);
  assert.equal(errorText(e), '403: nodes is forbidden: no');
  assert.equal(errorText(new ApiError('request to x failed, reason: connect ECONNREFUSED', 0)), 'request to x failed, reason: connect ECONNREFUSED');
  assert.equal(microTime(Date.parse('2026-12-07T20:00:00.123Z')), '2026-12-07T20:00:00.123000Z');
});
