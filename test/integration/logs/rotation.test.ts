import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { eventually } from '../../helpers/manifests.js';
import { BUSYBOX, manifest, withSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

const MAX_BYTES = 4096;

describe('container log rotation against containerd', () => {
  let h: SupervisorHarness;
  withSupervisor({ settings: { containerLogMaxSize: '4Ki', containerLogMaxFiles: 3 }, logRotationPeriodMs: 300 }, (x) => {
    h = x;
  });

  test('a chatty container: its log is rotated, older files gzipped, at most containerLogMaxFiles kept, and it keeps logging', async () => {
    await h.write('chatty.yaml', manifest('chatty', [
      '  terminationGracePeriodSeconds: 1',
      '  containers:',
      '  - name: c',
      `    image: ${BUSYBOX}`,
      '    command: [sh, -c, "i=0; while true; do i=$((i+1)); echo line $i 0123456789012345678901234567890123456789; sleep 0.02; done"]',
      '',
    ].join('\n')));
    const p = await h.waitPod('chatty', (x) => x.status?.phase === 'Running');
    const dir = join(h.settings.podLogsDir, `default_chatty-node-1_${p.metadata!.uid}`, 'c');
    // Several rotations: rotated files come and go, but never more than maxFiles - 1 of them.
    const seen = new Set<string>();
    await eventually(async () => {
      const names = (await readdir(dir)).filter((n) => n.startsWith('0.log.') && !n.endsWith('.tmp'));
      assert.ok(names.length <= 2, `at most 2 rotated files besides 0.log: ${names.join(' ')}`);
      names.forEach((n) => seen.add(n.replace(/\.gz$/, '')));
      return seen.size >= 4 && names.some((n) => n.endsWith('.gz')) && names.some((n) => /^0\.log\.\d{8}-\d{6}$/.test(n)) ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200, what: 'four rotations' });
    // The runtime reopened the live file: it is written again and stays near the limit.
    const tail = async (): Promise<number> => {
      const r = await runCli(['logs', 'chatty', '--tail', '1', '--root-dir', h.settings.rootDir]);
      return Number(/^line (\d+) /.exec(r.stdout)?.[1]);
    };
    const first = await tail();
    await eventually(async () => ((await tail()) > first ? true : undefined), { timeoutMs: 5_000, what: 'new lines in the live log' });
    assert.ok((await stat(join(dir, '0.log'))).size < MAX_BYTES * 4, 'the live log is kept small');
    await h.remove('chatty.yaml');
  });
});
