import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeletConfigError, parseKubeletConfig } from '../../../src/config/kubelet/load.js';
import { parseHeaderFlags, parseTaints, resolveSettings, type FlagValues } from '../../../src/config/settings.js';
import { Command } from 'commander';
import { addRunFlags } from '../../../src/cli/flags.js';

const head = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n';
const parse = (body: string) => parseKubeletConfig(Buffer.from(head + body), 'kubelet.yaml');

function problems(body: string): string[] {
  try {
    parse(body);
  } catch (err) {
    assert.ok(err instanceof KubeletConfigError);
    return err.problems;
  }
  assert.fail('expected the config to be refused');
}

test('reads the fields staticlet uses', () => {
  const { config, warnings } = parse(
    [
      'staticPodPath: /etc/kubernetes/manifests',
      'fileCheckFrequency: 5s',
      'staticPodURL: http://127.0.0.1:8080/pods',
      'staticPodURLHeader: { Authorization: ["Bearer x"] }',
      'syncFrequency: 30s',
      'containerRuntimeEndpoint: unix:///run/x.sock',
      'address: 127.0.0.1',
      'port: 11250',
      'readOnlyPort: 0',
      'kubeReserved: { cpu: 100m, memory: 256Mi }',
      'systemReserved: { cpu: "0.5" }',
      'containerLogMaxSize: 20Mi',
      'containerLogMaxFiles: 3',
      'maxPods: 20',
      '',
    ].join('\n'),
  );
  assert.deepEqual(warnings, []);
  const s = resolveSettings({}, { config, warnings });
  assert.equal(s.staticPodPath, '/etc/kubernetes/manifests');
  assert.equal(s.fileCheckFrequencyMs, 5000);
  assert.equal(s.syncFrequencyMs, 30_000);
  assert.equal(s.staticPodURL, 'http://127.0.0.1:8080/pods');
  assert.deepEqual(s.staticPodURLHeader, { Authorization: ['Bearer x'] });
  assert.equal(s.containerRuntimeEndpoint, 'unix:///run/x.sock');
  assert.equal(s.port, 11250);
  assert.deepEqual(s.kubeReserved, { cpu: '100m', memory: '256Mi' });
  assert.equal(s.maxPods, 20);
  assert.equal(s.containerLogMaxFiles, 3);
});

test('flags override the file', () => {
  const file = parse('staticPodPath: /a\nmaxPods: 20\nfileCheckFrequency: 5s\n');
  const s = resolveSettings({ podManifestPath: '/b', maxPods: 7, fileCheckFrequency: '1s', hostnameOverride: ' Node-A ' }, file);
  assert.equal(s.staticPodPath, '/b');
  assert.equal(s.maxPods, 7);
  assert.equal(s.fileCheckFrequencyMs, 1000);
  assert.equal(s.nodeName, 'node-a');
});

test('defaults match the kubelet', () => {
  const s = resolveSettings({});
  assert.equal(s.fileCheckFrequencyMs, 20_000);
  assert.equal(s.httpCheckFrequencyMs, 20_000);
  assert.equal(s.syncFrequencyMs, 60_000);
  assert.equal(s.runtimeRequestTimeoutMs, 120_000);
  assert.equal(s.containerRuntimeEndpoint, 'unix:///run/containerd/containerd.sock');
  assert.equal(s.maxPods, 110);
  assert.equal(s.port, 10250);
});

test('unknown fields are refused with their path', () => {
  assert.deepEqual(problems('staticPodPth: /x\n'), ['staticPodPth: unknown field "staticPodPth", did you mean "staticPodPath"?']);
  assert.deepEqual(problems('logging: { format: json, colour: true }\n'), ['logging.colour: unknown field "colour"']);
});

test('known kubelet fields staticlet ignores are warnings, not errors', () => {
  const { warnings } = parse('cgroupDriver: systemd\nfailSwapOn: false\n');
  assert.equal(warnings.length, 2);
  assert.match(warnings.join('\n'), /cgroupDriver: accepted for kubelet compatibility but ignored/);
});

test('wrong types, bad durations and bad quantities are refused with paths', () => {
  const p = problems('maxPods: many\nfileCheckFrequency: 20\nkubeReserved: { cpu: lots }\nregisterWithTaints: [{ key: a, effect: Never }]\n');
  assert.ok(p.includes('maxPods: must be integer'), p.join('\n'));
  assert.ok(p.some((x) => x.startsWith('fileCheckFrequency: must be a duration')), p.join('\n'));
  assert.ok(p.some((x) => x.startsWith('kubeReserved.cpu: must be a quantity')), p.join('\n'));
  assert.ok(p.some((x) => x.startsWith('registerWithTaints[0].effect: must be one of')), p.join('\n'));
});

test('apiVersion and kind are checked', () => {
  assert.throws(() => parseKubeletConfig(Buffer.from('apiVersion: v1\nkind: KubeletConfiguration\n'), 'k.yaml'), /apiVersion: must be "kubelet.config.k8s.io\/v1beta1"/);
  assert.throws(() => parseKubeletConfig(Buffer.from('kind: KubeletConfiguration\n'), 'k.yaml'), /apiVersion: required/);
});

test('--manifest-url-header accepts comma lists and repeats', () => {
  assert.deepEqual(parseHeaderFlags(['a:hello,b:again', 'a:world']), { a: ['hello', 'world'], b: ['again'] });
  assert.throws(() => parseHeaderFlags(['novalue']), /expected key:value/);
});

test('control-plane settings: kubelet defaults, file values, flags over the file', () => {
  const d = resolveSettings({});
  assert.equal(d.kubeAPIQPS, 50);
  assert.equal(d.kubeAPIBurst, 100);
  assert.deepEqual([d.eventRecordQPS, d.eventBurst], [50, 100]);
  assert.equal(d.nodeStatusUpdateFrequencyMs, 10_000);
  assert.equal(d.nodeStatusReportFrequencyMs, 300_000);
  assert.equal(d.nodeLeaseDurationSeconds, 40);
  assert.equal(d.registerNode, true);
  assert.deepEqual(d.registerWithTaints, []);
  assert.equal(d.nodeStatusMaxImages, 50);
  const file = parse('kubeAPIQPS: 5\nkubeAPIBurst: 10\neventRecordQPS: 0\neventBurst: 7\nnodeStatusUpdateFrequency: 2s\nnodeLeaseDurationSeconds: 20\nregisterNode: false\nnodeStatusMaxImages: -1\nregisterWithTaints: [{ key: a, value: b, effect: NoSchedule }]\n');
  assert.deepEqual(file.warnings, []);
  const s = resolveSettings({}, file);
  assert.equal(s.kubeAPIQPS, 5);
  assert.equal(s.kubeAPIBurst, 10);
  assert.deepEqual([s.eventRecordQPS, s.eventBurst], [0, 7], '0 QPS: events unlimited, as the kubelet');
  assert.equal(s.nodeStatusUpdateFrequencyMs, 2_000);
  assert.equal(s.nodeStatusReportFrequencyMs, 2_000, 'an explicit update frequency is the report default');
  assert.equal(s.nodeLeaseDurationSeconds, 20);
  assert.equal(s.registerNode, false);
  assert.equal(s.nodeStatusMaxImages, -1);
  assert.deepEqual(s.registerWithTaints, [{ key: 'a', value: 'b', effect: 'NoSchedule' }]);
  const f = resolveSettings({ registerNode: true, registerWithTaints: 'x=y:NoExecute,dedicated:PreferNoSchedule' }, file);
  assert.equal(f.registerNode, true);
  assert.deepEqual(f.registerWithTaints, [{ key: 'x', value: 'y', effect: 'NoExecute' }, { key: 'dedicated', effect: 'PreferNoSchedule' }]);
});

test('--register-with-taints refuses bad effects and keys', () => {
  assert.throws(() => parseTaints('a=b'), /invalid taint "a=b": effect must be one of/);
  assert.throws(() => parseTaints('a=b:Never'), /effect must be one of/);
  assert.throws(() => parseTaints('-bad=b:NoSchedule'), /invalid taint "-bad=b:NoSchedule"/);
});

test('TLS bootstrap settings: kubelet names and defaults, rotateCertificates from the file, flags over it', () => {
  const d = resolveSettings({ rootDir: '/var/lib/st' });
  assert.equal(d.certDir, '/var/lib/st/pki');
  assert.equal(d.rotateCertificates, false, 'the kubelet default');
  assert.equal(d.bootstrapKubeconfig, undefined);
  const file = parse('rotateCertificates: true\n');
  assert.deepEqual(file.warnings, [], 'rotateCertificates is used, not ignored');
  assert.equal(resolveSettings({}, file).rotateCertificates, true);
  assert.equal(resolveSettings({ rotateCertificates: false }, file).rotateCertificates, false);
  const s = resolveSettings({ kubeconfig: '/etc/k/kubelet.conf', bootstrapKubeconfig: '/etc/k/bootstrap.conf', certDir: '/pki' });
  assert.equal(s.bootstrapKubeconfig, '/etc/k/bootstrap.conf');
  assert.equal(s.certDir, '/pki');
  assert.throws(() => resolveSettings({ bootstrapKubeconfig: '/etc/k/bootstrap.conf' }), /--bootstrap-kubeconfig needs --kubeconfig/);
  assert.deepEqual(problems('rotateCertificates: yes please\n').length, 1);
  assert.deepEqual(problems('rotateCertificate: true\n'), ['rotateCertificate: unknown field "rotateCertificate", did you mean "rotateCertificates"?']);
});

test('serverTLSBootstrap: read from the file (no longer ignored), off by default, --rotate-server-certificates over it', () => {
  assert.equal(resolveSettings({}).serverTLSBootstrap, false, 'the kubelet default');
  const file = parse('serverTLSBootstrap: true\n');
  assert.deepEqual(file.warnings, [], 'serverTLSBootstrap is used, not ignored');
  assert.equal(resolveSettings({}, file).serverTLSBootstrap, true);
  assert.equal(resolveSettings({ rotateServerCertificates: false }, file).serverTLSBootstrap, false);
  assert.equal(resolveSettings({ rotateServerCertificates: true }).serverTLSBootstrap, true);
  assert.deepEqual(problems('serverTLSBootstrap: sometimes\n').length, 1);
  // The kubelet's flag for it, as `staticlet run` parses it.
  const flags = (args: string[]) => addRunFlags(new Command().exitOverride()).parse(args, { from: 'user' }).opts<FlagValues>();
  assert.equal(resolveSettings(flags(['--rotate-server-certificates'])).serverTLSBootstrap, true);
  assert.equal(resolveSettings(flags(['--rotate-server-certificates=false']), file).serverTLSBootstrap, false);
});
