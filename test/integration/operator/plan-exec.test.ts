import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { startContainerd, type ContainerdEnv } from '../../helpers/containerd.js';
import { BUSYBOX, cs, manifest, startSupervisor, type SupervisorHarness } from '../../helpers/supervisor.js';

interface PlanJson {
  exitCode: number;
  entries: Array<{ verdict: string; pod?: string; manifest: string; changes: string[]; restarts: string[]; errors?: string[]; reason: string }>;
}

const web = (labels: string, image = BUSYBOX): string =>
  manifest('web', `  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: app, image: ${image}, command: [sleep, "3600"]}\n  - {name: side, image: ${BUSYBOX}, command: [sleep, "3600"]}\n`, `  labels: {${labels}}\n`);
const other = (name: string): string => manifest(name, `  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: c, image: ${BUSYBOX}, command: [sleep, "3600"]}\n`);

describe('staticlet plan and exec against a running staticlet', () => {
  let env: ContainerdEnv;
  let h: SupervisorHarness;
  let staging: string;
  let ids: string[];
  const containerIds = (): string[] =>
    ['web', 'gone'].flatMap((p) => {
      const pod = h.pod(p)!;
      return (pod.status?.containerStatuses ?? []).map((s) => s.containerID ?? '');
    });

  before(async () => {
    env = await startContainerd();
    h = await startSupervisor(env);
    await h.write('web.yaml', web('tier: a'));
    await h.write('gone.yaml', other('gone'));
    for (const p of ['web', 'gone']) await h.waitPod(p, (x) => x.status?.phase === 'Running' && (x.status.containerStatuses ?? []).every((s) => s.ready), 30_000);
    ids = containerIds();
  });
  after(async () => {
    await h?.stop();
    await env?.down();
  });

  /** A staged copy of the live directory, changed by `edit`, planned with -o json. */
  async function plan(edit: (dir: string) => Promise<void>): Promise<{ code: number | null; doc: PlanJson; text: string }> {
    staging = await mkdtemp(join(tmpdir(), 'staticlet-plan-'));
    try {
      await cp(h.manifests, staging, { recursive: true });
      await edit(staging);
      const r = await runCli(['plan', '--root-dir', h.settings.rootDir, '--pod-manifest-path', staging, '-o', 'json']);
      const t = await runCli(['plan', '--root-dir', h.settings.rootDir, '--pod-manifest-path', staging]);
      assert.equal(t.code, r.code, t.stderr);
      return { code: r.code, doc: JSON.parse(r.stdout) as PlanJson, text: t.stdout };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  const verdictOf = (doc: PlanJson, pod: string) => doc.entries.find((e) => e.pod === `default/${pod}-node-1`);

  test('the live directory itself: everything kept, exit 0', async () => {
    const r = await runCli(['plan', '--root-dir', h.settings.rootDir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /keep +default\/web-node-1/);
    assert.match(r.stdout, /0 to add, 0 to restart, 0 to remove, 2 kept, 0 refused/);
  });

  test('a new file is added: exit 3', async () => {
    const { code, doc } = await plan((d) => writeFile(join(d, 'new.yaml'), other('fresh')));
    assert.equal(code, 3);
    assert.equal(verdictOf(doc, 'fresh')?.verdict, 'add');
    assert.equal(verdictOf(doc, 'web')?.verdict, 'keep');
    assert.equal(verdictOf(doc, 'gone')?.verdict, 'keep');
  });

  test('a label-only edit keeps the pod and restarts nothing: exit 0', async () => {
    const { code, doc, text } = await plan((d) => writeFile(join(d, 'web.yaml'), web('tier: b, extra: "yes"')));
    assert.equal(code, 0, text);
    const v = verdictOf(doc, 'web')!;
    assert.equal(v.verdict, 'keep');
    assert.deepEqual(v.changes, ['metadata.labels.extra', 'metadata.labels.tier']);
    assert.deepEqual(v.restarts, []);
  });

  test('an image edit restarts the pod, naming the field: exit 3', async () => {
    const { code, doc, text } = await plan((d) => writeFile(join(d, 'web.yaml'), web('tier: a', 'staticlet.local/busybox:other')));
    assert.equal(code, 3);
    const v = verdictOf(doc, 'web')!;
    assert.equal(v.verdict, 'restart');
    assert.deepEqual(v.changes, ['spec.containers[app].image']);
    assert.deepEqual(v.restarts, ['app', 'side']);
    assert.match(text, /restart +default\/web-node-1/);
    assert.match(text, /changed: spec\.containers\[app\]\.image/);
  });

  test('a broken edit is refused with its errors and the running pod kept: exit 1', async () => {
    const { code, doc, text } = await plan((d) => writeFile(join(d, 'web.yaml'), web('tier: a').replace('command:', 'comand:')));
    assert.equal(code, 1);
    const v = verdictOf(doc, 'web')!;
    assert.equal(v.verdict, 'refuse');
    assert.ok(v.errors?.some((e) => e.includes('unknown field "comand"')), JSON.stringify(v.errors));
    assert.match(v.reason, /keeps running/);
    assert.match(text, /refuse +default\/web-node-1/);
  });

  test('a removed file removes its pod: exit 3', async () => {
    const { code, doc } = await plan((d) => unlink(join(d, 'gone.yaml')));
    assert.equal(code, 3);
    assert.equal(verdictOf(doc, 'gone')?.verdict, 'remove');
    assert.equal(verdictOf(doc, 'web')?.verdict, 'keep');
  });

  test('planning touched no running pod', async () => {
    assert.deepEqual(containerIds(), ids);
    const { containers } = await h.objects(h.pod('web')!.metadata!.uid!);
    assert.equal(containers.filter((c) => c.state === 'running').length, 2);
  });

  test('exec runs a command in a container and returns its exit code and output', async () => {
    const exec = (...args: string[]) => runCli(['exec', '--root-dir', h.settings.rootDir, '--container-runtime-endpoint', env.endpoint, ...args]);
    const ok = await exec('web', '-c', 'side', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7');
    assert.equal(ok.code, 7, ok.stderr);
    assert.equal(ok.stdout, 'out\n');
    assert.equal(ok.stderr, 'err\n');
    const which = await exec('web', '--', 'true');
    assert.equal(which.code, 1);
    assert.match(which.stderr, /a container name must be specified for pod web-node-1, choose one of: \[app side\]/);
    const one = await exec('default/gone-node-1', '--', 'cat', '/proc/1/cmdline');
    assert.equal(one.code, 0, one.stderr);
    assert.equal(one.stdout, 'sleep\u00003600\u0000');
    const missing = await exec('nope', '--', 'true');
    assert.equal(missing.code, 1);
    assert.equal(cs(h.pod('web')!, 'side')?.restartCount, 0);
  });
});
