/**
 * Generators of manifest files for the fuzz tests: the repository's own manifests and fixtures,
 * byte-level and tree-level mutations of them, near-valid pods, odd YAML scalars and tags,
 * deep and wide structures, each serialized as YAML, JSON, a PodList or a multi-document stream.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import YAML from 'yaml';
import { input, type FuzzInput } from './harness.js';

// ---------------------------------------------------------------------------------------------
// seeds: the repository's manifests
// ---------------------------------------------------------------------------------------------

/** dist/test/unit/fuzz → the repository root (also right for the sources: test/unit/fuzz). */
function repoRoot(): string {
  for (const up of ['../../../../', '../../../']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    try {
      if (statSync(join(dir, 'manifests')).isDirectory()) return dir;
    } catch {
      // try the next layout
    }
  }
  throw new Error('repository root (with manifests/) not found from the fuzz tests');
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFiles(p));
    else if (/\.(ya?ml|json)$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

export interface Seed {
  name: string;
  text: string;
  /** The parsed documents (each seed is a single Pod today, but streams are fine). */
  docs: unknown[];
}

const ROOT = repoRoot();
export const SEEDS: readonly Seed[] = ['manifests', 'test/fixtures', 'bench/fixtures']
  .flatMap((d) => yamlFiles(join(ROOT, d)))
  .map((p) => {
    const text = readFileSync(p, 'utf8');
    return { name: p.slice(ROOT.length), text, docs: YAML.parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS() as unknown) };
  });
if (SEEDS.length === 0) throw new Error('no seed manifests found');

const seedArb = fc.constantFrom(...SEEDS);

// ---------------------------------------------------------------------------------------------
// odd values
// ---------------------------------------------------------------------------------------------

const ODD_STRINGS = [
  '', ' ', 'NaN', 'nan', '.nan', 'Infinity', '-Infinity', '.inf', '-0', '1e309', '0x1F', '0o17', '0755', '1_000', '08',
  'true', 'yes', 'no', 'on', 'off', 'y', 'n', 'null', '~', 'Null', '<<', '=', '*', '&', '!', '%', '@', '`', '|', '>',
  '- x', ': x', 'a: b', '#', '---', '...', '{}', '[]', '"', "'", '\\', '\\n', '${X}', '$(X)', '$$(X)', '%s%n',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf',
  'a'.repeat(63), 'a'.repeat(64), 'a'.repeat(253), 'a'.repeat(254), 'x'.repeat(4096),
  '/', '//', '/..', '../..', '/etc/../..', '/dev/null', '/proc/self/root', 'C:\\Windows', '\\\\server\\share',
  'kube-system', 'default', 'Pod', 'v1', 'cpu', 'memory', 'hugepages-2Mi', 'hugepages-', 'example.com/gpu', 'requests.cpu',
  '100m', '1Gi', '1e3', '0.5', '-1', '1.5.5', '1Ki1', '9223372036854775807', '9223372036854775808', '1E', '0.000000001',
  'metadata.name', "metadata.labels['a']", "metadata.annotations['Ä']", 'limits.cpu', 'status.podIP',
  'NET_ADMIN', 'CAP_SYS_ADMIN', 'ALL', 'all', 'Localhost', 'RuntimeDefault', 'Unconfined', 'Always', 'Never',
  '\u0000', '\u0001', '\t', '\n', '\r\n', '\u001b[31mred', '\u007f', '\u0085', '\u00a0', '\u2028', '\u2029', '\u200b', '\u202e',
  '\ufeff', '\ufffd', '\uffff', 'é', 'e\u0301', 'Ä', 'ß', 'İ', 'ǅ', '日本', '😀', '\ud83d\ude00', '\ud800', '\udfff', 'a\ud800b',
];

const ODD_NUMBERS = [
  0, -0, 1, -1, 0.5, -0.5, 1e-7, 1.5, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2,
  2 ** 63, -(2 ** 63), 2 ** 64, 1e21, 1e300, Number.MAX_VALUE, Number.MIN_VALUE, -Number.MAX_VALUE, 65535, 65536, 1e-320,
];

/** A scalar of any type, mostly odd. */
export const oddScalarArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(...ODD_STRINGS),
  fc.constantFrom<unknown>(...ODD_NUMBERS),
  fc.constantFrom<unknown>(true, false, null),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any value: scalars, small structures, and now and then a deep or wide one. */
export const oddValueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: oddScalarArb },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>({}, [], [[]], [{}], { '': '' }, [null], { a: null }) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 1, max: 400 }), fc.boolean()).map(([d, arr]) => nest(d, arr ? 'seq' : 'map', 'x')),
  },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 3000 }).map((n) => Array.from({ length: n }, (_, i) => `v${i}`)) },
);

export function nest(depth: number, kind: 'seq' | 'map', leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = kind === 'seq' ? [v] : { a: v };
  return v;
}

// ---------------------------------------------------------------------------------------------
// near-valid pods
// ---------------------------------------------------------------------------------------------

const dnsLabel = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('web', 'db-0', 'a', 'x1', 'main', 'side-car', 'init') },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z]([-a-z0-9]{0,12}[a-z0-9])?$/) },
  { weight: 1, arbitrary: fc.constantFrom('Web', 'a_b', '-a', 'a-', '', 'a.b', 'a'.repeat(64), '1a', 'ä') },
);
const image = fc.constantFrom('staticlet.local/busybox:1.36', 'busybox', 'registry.example:5000/team/app:v1.2.3', `nginx@sha256:${'a'.repeat(64)}`, 'x', ' busybox', 'UPPER:tag', '');
const quantity = fc.constantFrom<unknown>('100m', '1', '0.5', '1Gi', '512Mi', '1e3', '2k', 1, 0.25, '0', '1.5Gi', '-1', '1.5.5', 'abc', '1Ki', '10E', 1e30, '0.0001');
const port = fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(0, 65536, -1, 80, 8080));
const pathish = fc.constantFrom('/data', '/srv', '/var/log', '/etc/config', '/', 'relative', '/a/../b', '/x:y', '/tmp/../../etc', '');
const resources = fc.record(
  {
    limits: fc.dictionary(fc.constantFrom('cpu', 'memory', 'ephemeral-storage', 'hugepages-2Mi', 'example.com/gpu', 'bogus'), quantity, { maxKeys: 3 }),
    requests: fc.dictionary(fc.constantFrom('cpu', 'memory', 'ephemeral-storage', 'hugepages-2Mi', 'example.com/gpu', 'requests.x/y'), quantity, { maxKeys: 3 }),
    claims: fc.array(fc.record({ name: dnsLabel }), { maxLength: 1 }),
  },
  { requiredKeys: [] },
);
const handler = fc.oneof(
  fc.record({ exec: fc.record({ command: fc.array(fc.constantFrom('sh', '-c', 'true', 'echo $(POD_NAME)'), { maxLength: 3 }) }) }),
  fc.record({ httpGet: fc.record({ path: fc.constantFrom('/healthz', '/', 'x'), port: fc.oneof(port, fc.constantFrom<unknown>('http', 'HTTP', 'a'.repeat(16))), scheme: fc.constantFrom('HTTP', 'HTTPS', 'FTP'), host: fc.constantFrom('127.0.0.1', 'localhost', '::1') }, { requiredKeys: ['port'] }) }),
  fc.record({ tcpSocket: fc.record({ port: fc.oneof(port, fc.constantFrom<unknown>('http')) }) }),
  fc.record({ grpc: fc.record({ port, service: fc.constantFrom('', 'svc') }, { requiredKeys: ['port'] }) }),
  fc.record({ sleep: fc.record({ seconds: fc.integer({ min: -1, max: 100 }) }) }),
);
const probe = fc.tuple(
  handler,
  fc.record(
    {
      initialDelaySeconds: fc.integer({ min: -1, max: 100 }),
      periodSeconds: fc.integer({ min: -1, max: 100 }),
      timeoutSeconds: fc.integer({ min: -1, max: 100 }),
      successThreshold: fc.integer({ min: -1, max: 3 }),
      failureThreshold: fc.integer({ min: -1, max: 10 }),
      terminationGracePeriodSeconds: fc.integer({ min: -1, max: 100 }),
    },
    { requiredKeys: [] },
  ),
).map(([h, rest]) => ({ ...h, ...rest }));
const envVar = fc.oneof(
  fc.record({ name: fc.constantFrom('A', 'POD_NAME', 'a.b', '1X', 'X-Y', '', 'HOME'), value: fc.constantFrom('v', '$(A)', '$$(A)', '', 'x'.repeat(100)) }, { requiredKeys: ['name'] }),
  fc.record({
    name: fc.constantFrom('POD_NAME', 'CPU', 'B'),
    valueFrom: fc.oneof(
      fc.record({ fieldRef: fc.record({ fieldPath: fc.constantFrom('metadata.name', 'metadata.namespace', "metadata.labels['app']", "metadata.annotations['x/y']", 'spec.nodeName', 'status.podIP', 'spec.bogus', "metadata.labels['']"), apiVersion: fc.constantFrom('v1', 'v2') }, { requiredKeys: ['fieldPath'] }) }),
      fc.record({ resourceFieldRef: fc.record({ resource: fc.constantFrom('limits.cpu', 'requests.memory', 'limits.hugepages-2Mi', 'bogus'), containerName: fc.constantFrom('main', 'c', ''), divisor: quantity }, { requiredKeys: ['resource'] }) }),
      fc.record({ configMapKeyRef: fc.record({ name: dnsLabel, key: fc.constantFrom('k', '') }) }),
      fc.record({ secretKeyRef: fc.record({ name: dnsLabel, key: fc.constantFrom('k') }) }),
      fc.record({ fileKeyRef: fc.record({ volumeName: dnsLabel, path: fc.constantFrom('f', '/abs'), key: fc.constantFrom('K') }) }),
      fc.constant({}),
    ),
  }),
);
const securityContext = fc.record(
  {
    runAsUser: fc.oneof(fc.integer({ min: 0, max: 70000 }), fc.constantFrom(-1, 2 ** 31, 2 ** 53)),
    runAsGroup: fc.integer({ min: -1, max: 70000 }),
    runAsNonRoot: fc.boolean(),
    privileged: fc.boolean(),
    allowPrivilegeEscalation: fc.boolean(),
    readOnlyRootFilesystem: fc.boolean(),
    procMount: fc.constantFrom('Default', 'Unmasked', 'Bogus'),
    capabilities: fc.record({ add: fc.array(fc.constantFrom('NET_ADMIN', 'CAP_SYS_TIME', 'ALL', 'bogus', 'net_raw'), { maxLength: 3 }), drop: fc.array(fc.constantFrom('ALL', 'KILL'), { maxLength: 2 }) }, { requiredKeys: [] }),
    seccompProfile: fc.record({ type: fc.constantFrom('RuntimeDefault', 'Localhost', 'Unconfined', 'Bogus'), localhostProfile: fc.constantFrom('p.json', '/abs.json', '../x', '') }, { requiredKeys: ['type'] }),
    appArmorProfile: fc.record({ type: fc.constantFrom('RuntimeDefault', 'Localhost', 'Unconfined'), localhostProfile: fc.constantFrom('k8s-x', ' ') }, { requiredKeys: ['type'] }),
    seLinuxOptions: fc.record({ level: fc.constant('s0:c1') }),
    windowsOptions: fc.record({ hostProcess: fc.boolean() }),
  },
  { requiredKeys: [] },
);
const volumeMount = fc.record(
  { name: dnsLabel, mountPath: pathish, subPath: fc.constantFrom('sub', '../x', '/abs', '', 'a/b'), subPathExpr: fc.constantFrom('$(POD_NAME)', 'x'), readOnly: fc.boolean(), mountPropagation: fc.constantFrom('None', 'HostToContainer', 'Bidirectional', 'X'), recursiveReadOnly: fc.constantFrom('Disabled', 'Enabled', 'IfPossible') },
  { requiredKeys: ['name', 'mountPath'] },
);
const containerPort = fc.record(
  { name: fc.constantFrom('http', 'metrics', 'HTTP', 'a'.repeat(16), '1', 'a--b'), containerPort: port, hostPort: port, protocol: fc.constantFrom('TCP', 'UDP', 'SCTP', 'tcp'), hostIP: fc.constantFrom('127.0.0.1', '0.0.0.0', '::', 'bogus') },
  { requiredKeys: ['containerPort'] },
);
const container = fc.record(
  {
    name: dnsLabel,
    image,
    command: fc.array(fc.constantFrom('sh', '-c', 'sleep 3600', '$(A)'), { maxLength: 3 }),
    args: fc.array(fc.constantFrom('--x', '$(POD_NAME)', ''), { maxLength: 2 }),
    workingDir: pathish,
    env: fc.array(envVar, { maxLength: 3 }),
    envFrom: fc.array(fc.oneof(fc.record({ configMapRef: fc.record({ name: dnsLabel }) }), fc.record({ prefix: fc.constantFrom('P_', '1') })), { maxLength: 1 }),
    ports: fc.array(containerPort, { maxLength: 3 }),
    resources,
    volumeMounts: fc.array(volumeMount, { maxLength: 3 }),
    livenessProbe: probe,
    readinessProbe: probe,
    startupProbe: probe,
    lifecycle: fc.record({ postStart: handler, preStop: handler, stopSignal: fc.constantFrom('SIGTERM', 'SIGKILL', 'BOGUS') }, { requiredKeys: [] }),
    securityContext,
    imagePullPolicy: fc.constantFrom('Always', 'IfNotPresent', 'Never', 'Sometimes'),
    terminationMessagePath: pathish,
    terminationMessagePolicy: fc.constantFrom('File', 'FallbackToLogsOnError', 'X'),
    restartPolicy: fc.constantFrom('Always', 'Never'),
    stdin: fc.boolean(),
    tty: fc.boolean(),
    resizePolicy: fc.array(fc.record({ resourceName: fc.constantFrom('cpu', 'memory'), restartPolicy: fc.constantFrom('NotRequired', 'RestartContainer') }), { maxLength: 2 }),
  },
  { requiredKeys: ['name', 'image'] },
);
const volume = fc.tuple(
  dnsLabel,
  fc.oneof(
    fc.record({ hostPath: fc.record({ path: pathish, type: fc.constantFrom('', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket', 'CharDevice', 'BlockDevice', 'Bogus') }, { requiredKeys: ['path'] }) }),
    fc.record({ emptyDir: fc.record({ medium: fc.constantFrom('', 'Memory', 'HugePages', 'HugePages-2Mi', 'Disk'), sizeLimit: quantity }, { requiredKeys: [] }) }),
    fc.record({ downwardAPI: fc.record({ items: fc.array(fc.record({ path: fc.constantFrom('labels', '../x', '/abs', 'a/b', '..data'), fieldRef: fc.record({ fieldPath: fc.constantFrom('metadata.labels', 'metadata.name', 'spec.nodeName') }), mode: fc.integer({ min: -1, max: 1000 }) }, { requiredKeys: ['path'] }), { maxLength: 2 }), defaultMode: fc.integer({ min: -1, max: 1000 }) }, { requiredKeys: [] }) }),
    fc.record({ configMap: fc.record({ name: dnsLabel }) }),
    fc.record({ secret: fc.record({ secretName: dnsLabel }) }),
    fc.record({ projected: fc.record({ sources: fc.array(fc.oneof(fc.record({ downwardAPI: fc.record({ items: fc.constant([{ path: 'n', fieldRef: { fieldPath: 'metadata.name' } }]) }) }), fc.record({ serviceAccountToken: fc.record({ path: fc.constant('token') }) })), { maxLength: 2 }) }) }),
    fc.record({ image: fc.record({ reference: image }) }),
    fc.record({ nfs: fc.record({ server: fc.constant('nfs.local'), path: fc.constant('/x') }) }),
    fc.constant({}),
  ),
).map(([name, source]) => ({ name, ...source }));

const labels = fc.dictionary(fc.constantFrom('app', 'tier', 'example.com/x', 'a/b/c', '', 'k'.repeat(64), 'Ä', '__proto__', 'kubernetes.io/config.hash'), fc.constantFrom('web', '', 'v'.repeat(64), 'a b', 'ok-1'), { maxKeys: 3 });

const podSpec = fc.record(
  {
    containers: fc.array(container, { minLength: 1, maxLength: 3 }),
    initContainers: fc.array(container, { maxLength: 2 }),
    ephemeralContainers: fc.array(container, { maxLength: 1 }),
    volumes: fc.array(volume, { maxLength: 3 }),
    restartPolicy: fc.constantFrom('Always', 'OnFailure', 'Never', 'Sometimes'),
    terminationGracePeriodSeconds: fc.integer({ min: -1, max: 100 }),
    activeDeadlineSeconds: fc.integer({ min: -1, max: 100 }),
    dnsPolicy: fc.constantFrom('ClusterFirst', 'Default', 'None', 'ClusterFirstWithHostNet', 'Bogus'),
    dnsConfig: fc.record({ nameservers: fc.array(fc.constantFrom('1.1.1.1', '::1', 'bogus'), { maxLength: 4 }), searches: fc.array(fc.constantFrom('svc.local', 'a..b', 'x'.repeat(300)), { maxLength: 3 }), options: fc.array(fc.record({ name: fc.constantFrom('ndots', ''), value: fc.constantFrom('2', 'x') }, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: [] }),
    hostNetwork: fc.boolean(),
    hostPID: fc.boolean(),
    hostIPC: fc.boolean(),
    shareProcessNamespace: fc.boolean(),
    hostname: dnsLabel,
    subdomain: dnsLabel,
    hostAliases: fc.array(fc.record({ ip: fc.constantFrom('10.0.0.1', '::1', 'bogus', ''), hostnames: fc.array(fc.constantFrom('a.local', 'A', ''), { maxLength: 2 }) }, { requiredKeys: [] }), { maxLength: 2 }),
    nodeSelector: labels,
    nodeName: fc.constantFrom('fuzz-node', 'other'),
    serviceAccountName: dnsLabel,
    automountServiceAccountToken: fc.boolean(),
    priority: fc.integer(),
    priorityClassName: fc.constantFrom('system-node-critical', 'x'),
    tolerations: fc.array(fc.record({ key: fc.constantFrom('k', ''), operator: fc.constantFrom('Exists', 'Equal', 'X'), value: fc.constantFrom('v', ''), effect: fc.constantFrom('NoExecute', 'NoSchedule', ''), tolerationSeconds: fc.integer({ min: -1, max: 100 }) }, { requiredKeys: [] }), { maxLength: 2 }),
    securityContext: fc.record(
      {
        runAsUser: fc.integer({ min: -1, max: 70000 }),
        fsGroup: fc.integer({ min: -1, max: 70000 }),
        supplementalGroups: fc.array(fc.integer({ min: -1, max: 70000 }), { maxLength: 2 }),
        supplementalGroupsPolicy: fc.constantFrom('Merge', 'Strict'),
        sysctls: fc.array(fc.record({ name: fc.constantFrom('net.ipv4.tcp_syncookies', 'kernel.msgmax', 'kernel.shm_rmid_forced', 'vm.swappiness', 'net/ipv4/ip_local_port_range', 'bad name', ''), value: fc.constantFrom('1', '') }), { maxLength: 3 }),
        seccompProfile: fc.record({ type: fc.constantFrom('RuntimeDefault', 'Localhost'), localhostProfile: fc.constantFrom('p.json') }, { requiredKeys: ['type'] }),
        fsGroupChangePolicy: fc.constantFrom('Always', 'OnRootMismatch'),
      },
      { requiredKeys: [] },
    ),
    os: fc.record({ name: fc.constantFrom('linux', 'windows', '') }),
    hostUsers: fc.boolean(),
    enableServiceLinks: fc.boolean(),
    overhead: fc.dictionary(fc.constantFrom('cpu', 'memory'), quantity, { maxKeys: 1 }),
    resources,
    schedulerName: fc.constantFrom('default-scheduler'),
    runtimeClassName: dnsLabel,
    readinessGates: fc.array(fc.record({ conditionType: fc.constantFrom('x/ready') }), { maxLength: 1 }),
  },
  { requiredKeys: ['containers'] },
);

const metadata = fc.record(
  {
    name: dnsLabel,
    namespace: fc.constantFrom('default', 'kube-system', 'Bad_NS', ''),
    generateName: fc.constantFrom('x-'),
    uid: fc.constantFrom('0123456789abcdef0123456789abcdef', '../x', 'a/b', 'UID with spaces', ''),
    labels,
    annotations: fc.dictionary(fc.constantFrom('note', 'kubernetes.io/config.seen', 'a/b', 'X/Y', ''), fc.constantFrom('v', '', 'x'.repeat(300)), { maxKeys: 3 }),
    creationTimestamp: fc.constantFrom<unknown>(null, '2024-01-02T03:04:05Z', 'yesterday'),
    ownerReferences: fc.constant([{ apiVersion: 'v1', kind: 'Node', name: 'n', uid: 'u' }]),
    finalizers: fc.array(fc.constantFrom('example.com/f', 'bad'), { maxLength: 1 }),
  },
  { requiredKeys: ['name'] },
);

/** A Pod with mostly sensible fields; the mutations below add the deviations. */
export const podArb: fc.Arbitrary<Record<string, unknown>> = fc
  .record({ metadata, spec: podSpec, status: fc.option(fc.constant({ phase: 'Running' }), { nil: undefined, freq: 10 }) }, { requiredKeys: ['metadata', 'spec'] })
  .map((p) => ({ apiVersion: 'v1', kind: 'Pod', ...p }));

/** A pod from valid values only, so a share of the near-valid inputs is accepted. */
const goodName = fc.stringMatching(/^[a-z]([-a-z0-9]{0,10}[a-z0-9])?$/);
const goodContainer = (name: string): fc.Arbitrary<Record<string, unknown>> =>
  fc.record(
    {
      name: fc.constant(name),
      image: fc.constantFrom('staticlet.local/busybox:1.36', 'busybox', 'registry.example:5000/app:v1'),
      command: fc.array(fc.constantFrom('sh', '-c', 'sleep 3600', 'echo $(POD_NAME)'), { maxLength: 3 }),
      env: fc.uniqueArray(fc.record({ name: fc.constantFrom('A', 'B_1', 'MODE', 'x.y'), value: fc.string({ maxLength: 8 }) }), { selector: (e) => e.name, maxLength: 3 }),
      ports: fc.uniqueArray(fc.record({ containerPort: fc.integer({ min: 1, max: 65535 }), protocol: fc.constantFrom('TCP', 'UDP') }), { selector: (p) => `${p.containerPort}`, maxLength: 2 }),
      resources: fc.record({ requests: fc.record({ cpu: fc.constantFrom('100m', '1', 0.5), memory: fc.constantFrom('64Mi', '1Gi') }, { requiredKeys: [] }) }, { requiredKeys: [] }),
      imagePullPolicy: fc.constantFrom('Always', 'IfNotPresent', 'Never'),
      livenessProbe: fc.record({ exec: fc.constant({ command: ['true'] }), periodSeconds: fc.integer({ min: 1, max: 60 }) }),
      securityContext: fc.record({ runAsUser: fc.integer({ min: 0, max: 65535 }), readOnlyRootFilesystem: fc.boolean(), capabilities: fc.constant({ drop: ['ALL'] }) }, { requiredKeys: [] }),
    },
    { requiredKeys: ['name', 'image'] },
  );
export const validPodArb: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    goodName,
    fc.uniqueArray(goodName, { minLength: 1, maxLength: 3 }).chain((names) => fc.tuple(...names.map(goodContainer))),
    fc.record(
      {
        namespace: fc.constantFrom('default', 'kube-system'),
        labels: fc.dictionary(fc.constantFrom('app', 'tier', 'example.com/team'), goodName, { maxKeys: 2 }),
        annotations: fc.dictionary(fc.constantFrom('note', 'example.com/x'), fc.string({ maxLength: 20 }), { maxKeys: 2 }),
      },
      { requiredKeys: [] },
    ),
    fc.record({ restartPolicy: fc.constantFrom('Always', 'OnFailure', 'Never'), hostNetwork: fc.boolean(), terminationGracePeriodSeconds: fc.integer({ min: 0, max: 60 }), dnsPolicy: fc.constantFrom('ClusterFirst', 'Default') }, { requiredKeys: [] }),
  )
  .map(([name, containers, meta, spec]) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, ...meta }, spec: { ...spec, containers } }));

// ---------------------------------------------------------------------------------------------
// tree mutations
// ---------------------------------------------------------------------------------------------

type Mutation =
  | { op: 'replace'; at: number; value: unknown }
  | { op: 'delete'; at: number }
  | { op: 'add'; at: number; key: string; value: unknown }
  | { op: 'duplicate'; at: number }
  | { op: 'wrap'; at: number }
  | { op: 'graft'; at: number; from: number };

const FIELD_NAMES = ['name', 'image', 'containers', 'spec', 'metadata', 'items', 'kind', 'apiVersion', 'volumes', 'env', 'ports', 'hostPath', 'path', 'resources', 'limits', 'securityContext', 'status', 'bogus', '__proto__', 'constructor', '', ' ', 'a.b', 'a[0]', '[x]', 'ä'];

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: oddValueArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('add' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 6 })), value: oddValueArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('wrap' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('graft' as const), at: fc.nat(), from: fc.nat() }) },
);

export const mutationsArb = (max: number): fc.Arbitrary<Mutation[]> => fc.array(mutationArb, { maxLength: max });

interface Slot {
  parent: Record<string, unknown> | unknown[] | undefined;
  key: string | number;
  value: unknown;
}

/** Every node of the tree in pre-order (the root has no parent), walked without recursion. */
function slots(root: unknown): Slot[] {
  const out: Slot[] = [{ parent: undefined, key: '', value: root }];
  for (let i = 0; i < out.length && out.length < 20000; i++) {
    const v = out[i]!.value;
    if (Array.isArray(v)) v.forEach((x, k) => out.push({ parent: v, key: k, value: x }));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push({ parent: v as Record<string, unknown>, key: k, value: x });
  }
  return out;
}

function setSlot(s: Slot, value: unknown): void {
  if (Array.isArray(s.parent)) s.parent[s.key as number] = value;
  else if (s.parent) defineOwn(s.parent, s.key as string, value);
}

/** A plain own property even for `__proto__`, as a YAML or JSON parser would create it. */
function defineOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Applies the mutations to a copy; the root is replaced only when one says so. */
export function mutate(doc: unknown, ms: readonly Mutation[]): unknown {
  let root = structuredClone(doc);
  for (const m of ms) {
    const all = slots(root);
    const s = all[m.at % all.length]!;
    switch (m.op) {
      case 'replace':
        if (s.parent === undefined) root = structuredClone(m.value);
        else setSlot(s, structuredClone(m.value));
        break;
      case 'delete':
        if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
        else if (s.parent) delete s.parent[s.key as string];
        break;
      case 'add':
        if (Array.isArray(s.value)) s.value.push(structuredClone(m.value));
        else if (s.value !== null && typeof s.value === 'object') defineOwn(s.value as Record<string, unknown>, m.key, structuredClone(m.value));
        break;
      case 'duplicate':
        if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 0, structuredClone(s.value));
        else if (Array.isArray(s.value) && s.value.length > 0) s.value.push(structuredClone(s.value[0]));
        break;
      case 'wrap':
        if (s.parent === undefined) root = [root];
        else setSlot(s, Array.isArray(s.value) && s.value.length === 1 ? s.value[0] : [s.value]);
        break;
      case 'graft': {
        const from = all[m.from % all.length]!;
        if (s.parent !== undefined && from.value !== root) setSlot(s, structuredClone(from.value));
        break;
      }
    }
  }
  return root;
}

// ---------------------------------------------------------------------------------------------
// serialization
// ---------------------------------------------------------------------------------------------

export type Format = 'json' | 'json-pretty' | 'yaml11' | 'yaml12' | 'yaml-flow' | 'yaml-quoted';
export const formatArb = fc.constantFrom<Format>('json', 'json-pretty', 'yaml11', 'yaml12', 'yaml-flow', 'yaml-quoted');

/** Text for one document; undefined when the value cannot be written that way (cyclic, etc.). */
export function serialize(doc: unknown, format: Format): string {
  switch (format) {
    case 'json':
      return JSON.stringify(doc) ?? 'null';
    case 'json-pretty':
      return `${JSON.stringify(doc, null, 2) ?? 'null'}\n`;
    case 'yaml11':
      return YAML.stringify(doc, { version: '1.1' });
    case 'yaml12':
      return YAML.stringify(doc);
    case 'yaml-flow':
      return YAML.stringify(doc, { version: '1.1', collectionStyle: 'flow' });
    case 'yaml-quoted':
      return YAML.stringify(doc, { version: '1.1', defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
  }
}

export type Wrapping = 'single' | 'podlist' | 'list' | 'stream';
export const wrappingArb = fc.constantFrom<Wrapping>('single', 'single', 'podlist', 'list', 'stream', 'stream');

/** Separators and stream decorations between documents. */
const STREAM_PARTS = ['---\n', '---\n', '--- # c\n', '...\n---\n', '---\n---\n', '--- ~\n---\n', '---\nnull\n---\n', '\n---\n', '# only a comment\n---\n'];

/** One file holding `docs`: a single document, a list, or a multi-document stream. */
export function fileOf(docs: unknown[], format: Format, wrapping: Wrapping, parts: readonly number[] = []): string {
  if (wrapping === 'podlist' || wrapping === 'list') {
    return serialize({ apiVersion: 'v1', kind: wrapping === 'podlist' ? 'PodList' : 'List', items: docs }, format);
  }
  if (wrapping === 'single' || docs.length === 1) return serialize(docs[0], format);
  // JSON documents are flow YAML, so a stream of them is a valid YAML stream.
  let out = parts.length > 0 && parts[0]! % 3 === 0 ? '%YAML 1.1\n---\n' : '';
  docs.forEach((d, i) => {
    if (i > 0) out += STREAM_PARTS[(parts[i] ?? 0) % STREAM_PARTS.length]!;
    const text = serialize(d, format);
    out += text.endsWith('\n') ? text : `${text}\n`;
  });
  if ((parts[docs.length] ?? 1) % 4 === 0) out += '---\n';
  return out;
}

// ---------------------------------------------------------------------------------------------
// inputs: seeds and byte mutations
// ---------------------------------------------------------------------------------------------

/** Byte sequences worth splicing in: YAML indicators, tags, anchors, invalid UTF-8, NUL. */
const TOKENS = [
  '[', ']', '{', '}', ':', ': ', '- ', ',', '"', "'", '#', '&a ', '*a', '*b', '<<: *a\n', '!!binary ', '!!js/function ', '!!set ', '!!omap ',
  '!!timestamp ', '!!float ', '!!int ', '!!str ', '!!null ', '!<tag:yaml.org,2002:map> ', '!local ', '? ', '|\n', '>-\n', '\n---\n', '\n...\n',
  '%YAML 1.2\n', '%TAG ! tag:x,2000:\n', '\t', '\r', '\n', '  ', '\u0000', '\u0085', '\ufeff', '\\u0000', '\\ud800', '"\\ud800"', '~', 'null',
  '__proto__: {x: 1}\n', '1e400', '0x', '.nan', 'yes', '\u00ff', '\u202e',
];
const RAW_BYTES = [0x00, 0x80, 0xc0, 0xc3, 0xed, 0xf0, 0xf8, 0xfe, 0xff, 0x1b, 0x7f, 0x09, 0x0d];

type ByteOp =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'insert'; at: number; token: number }
  | { op: 'insertByte'; at: number; byte: number }
  | { op: 'delete'; at: number; len: number }
  | { op: 'truncate'; at: number }
  | { op: 'repeat'; at: number; len: number; times: number }
  | { op: 'splice'; at: number; seed: number; from: number; len: number };

const byteOpArb: fc.Arbitrary<ByteOp> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), token: fc.nat() }),
  fc.record({ op: fc.constant('insertByte' as const), at: fc.nat(), byte: fc.oneof(fc.constantFrom(...RAW_BYTES), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('repeat' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }), times: fc.integer({ min: 2, max: 50 }) }),
  fc.record({ op: fc.constant('splice' as const), at: fc.nat(), seed: fc.nat(), from: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }),
);

export function applyByteOps(src: Uint8Array, ops: readonly ByteOp[]): Uint8Array {
  let b = Buffer.from(src);
  for (const o of ops) {
    const at = b.length === 0 ? 0 : o.at % (b.length + 1);
    switch (o.op) {
      case 'flip':
        if (b.length > 0) b[at % b.length] ^= 1 << o.bit;
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(TOKENS[o.token % TOKENS.length]!, 'utf8'), b.subarray(at)]);
        break;
      case 'insertByte':
        b = Buffer.concat([b.subarray(0, at), Buffer.from([o.byte]), b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + o.len)]);
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'repeat': {
        const piece = b.subarray(at, at + o.len);
        b = Buffer.concat([b.subarray(0, at), ...Array.from({ length: o.times }, () => piece), b.subarray(at + o.len)]);
        break;
      }
      case 'splice': {
        const other = Buffer.from(SEEDS[o.seed % SEEDS.length]!.text, 'utf8');
        const from = o.from % Math.max(1, other.length);
        b = Buffer.concat([b.subarray(0, at), other.subarray(from, from + o.len), b.subarray(at)]);
        break;
      }
    }
  }
  return b;
}

/** The seeds as they are, and each in every serialization and wrapping. */
export const seedInputArb: fc.Arbitrary<FuzzInput> = fc.oneof(
  seedArb.map((s) => input(s.text, `seed ${s.name}`)),
  fc.tuple(seedArb, formatArb, wrappingArb).map(([s, f, w]) => input(fileOf(s.docs, f, w), `seed ${s.name} as ${f}/${w}`)),
);

/** Seeds with flipped, inserted, deleted, repeated or spliced bytes, or truncated. */
export const byteMutantArb: fc.Arbitrary<FuzzInput> = fc
  .tuple(seedArb, fc.array(byteOpArb, { minLength: 1, maxLength: 8 }))
  .map(([s, ops]) => input(applyByteOps(Buffer.from(s.text, 'utf8'), ops), `seed ${s.name} with byte ops ${JSON.stringify(ops)}`));

/** Seeds and generated pods with their trees mutated, then serialized and wrapped. */
export const treeMutantArb: fc.Arbitrary<FuzzInput> = fc
  .tuple(fc.oneof(seedArb.map((s) => s.docs[0]), podArb), mutationsArb(6), formatArb, wrappingArb, fc.array(podArb, { maxLength: 2 }), fc.array(fc.nat(), { maxLength: 4 }))
  .map(([doc, ms, f, w, more, parts]) => input(fileOf([mutate(doc, ms), ...(w === 'single' ? [] : more)], f, w, parts), `tree-mutated ${f}/${w} ${JSON.stringify(ms).slice(0, 400)}`));

/** Generated near-valid pods (a few deviations each), in every serialization and wrapping. */
export const nearValidArb: fc.Arbitrary<FuzzInput> = fc
  .tuple(fc.array(fc.tuple(fc.oneof(validPodArb, podArb), mutationsArb(2)), { minLength: 1, maxLength: 3 }), formatArb, wrappingArb, fc.array(fc.nat(), { maxLength: 4 }))
  .map(([pods, f, w, parts]) => input(fileOf(pods.map(([p, ms]) => mutate(p, ms)), f, w, parts), `near-valid ${pods.length} pod(s) ${f}/${w}`));

// ---------------------------------------------------------------------------------------------
// inputs: odd YAML scalars, tags, anchors and merge keys in raw text
// ---------------------------------------------------------------------------------------------

/** Raw YAML put where a value goes; `&a`/`&b` define anchors that later `*a`/`*b` use. */
const RAW_VALUES = [
  '!!binary aGVsbG8=', '!!binary |\n  aGVsbG8=', '!!js/function "function(){return 1}"', '!!js/undefined ""', '!!js/regexp /x/', '!!python/object:os.system ls',
  '!!set {a, b}', '!!set {}', '!!omap [a: 1, b: 2]', '!!pairs [a: 1, a: 2]', '!!timestamp 2001-12-14', '2001-12-14t21:59:43.10-05:00', '2002-12-14',
  '!!float .nan', '.NaN', '.inf', '-.Inf', '!!int 0x1F', '0x7fffffffffffffff', '0o777', '0755', '0b1010', '1_000', '1e400', '-1e400', '190:20:30', '1:20',
  '12345678901234567890123456789', '9007199254740993', '-0', '+12', '.5', '~', 'null', 'Null', 'yes', 'No', 'on', 'OFF', 'y', 'n', '=',
  '!!str 1', '!!null ""', '!!bool yes', '!!map {}', '!!seq []', '!!int "x"', '!!float "1.5"', '!<tag:yaml.org,2002:str> x', '!local x', '!!merge x',
  '&a {name: c, image: i}', '&a [1, 2]', '&a x', '&b {cpu: 1}', '*a', '*b', '*undefined', '[*a, *a, *a]', '{<<: *a, name: z}', '{<<: [*a, *b]}', '{<<: *a}',
  '{a: 1, a: 2}', '{? [a]: b}', '{[a, b]: c}', '{{a: 1}: 2}', '{1: a, 1.0: b}', '{~: x}', '{null: x, ~: y}', '{yes: 1, true: 2}', '{"__proto__": {x: 1}}', '{__proto__: 1}',
  '"\\u0000"', '"\\x1b[31m"', '"\\ud800"', '"\\udc00\\ud800"', '"\\U0010FFFF"', '"\\U00110000"', "'\u202e'", '"\\N\\_\\L\\P"', '"a\\\nb"',
  '[[[[[[[[x]]]]]]]]', '{a: {a: {a: {a: null}}}}', '[]', '{}', '""', "''", '|-\n  line1\n  line2', '>\n  folded\n  text', '? complex\n: value',
];
/** Raw YAML put where a key goes. */
const RAW_KEYS = ['<<', '? [a, b]', '? {a: 1}', '&k name', '*a', '!!str name', '"name"', "'image'", 'name ', '__proto__', '"__proto__"', '? |\n  block key\n', '1', '~', 'yes', '!!binary bmFtZQ=='];

const MARK = '@@ODD';
interface Hole {
  at: number;
  raw: number;
  key: boolean;
}
const holeArb: fc.Arbitrary<Hole> = fc.record({ at: fc.nat(), raw: fc.nat(), key: fc.boolean() });

/**
 * A pod in block YAML with raw snippets at random places: each hole turns one scalar (a value,
 * or with `key` the key of its pair) into a marker, and the marker's quoted text into the raw YAML.
 */
export function withRawSnippets(doc: unknown, holes: readonly Hole[]): string {
  const copy = structuredClone(doc);
  const all = slots(copy).filter((s) => s.parent !== undefined);
  const chosen = new Map<number, { raw: string; key: boolean }>();
  holes.forEach((h, n) => {
    const s = all[h.at % all.length];
    if (!s) return;
    const isKey = h.key && !Array.isArray(s.parent);
    const raw = isKey ? RAW_KEYS[h.raw % RAW_KEYS.length]! : RAW_VALUES[h.raw % RAW_VALUES.length]!;
    chosen.set(n, { raw, key: isKey });
    if (isKey) {
      const parent = s.parent as Record<string, unknown>;
      const v = parent[s.key as string];
      delete parent[s.key as string];
      defineOwn(parent, `${MARK}${n}@@`, v);
    } else setSlot(s, `${MARK}${n}@@`);
  });
  // Block style with double-quoted markers, so each marker sits alone between quotes on its line.
  let text = YAML.stringify(copy, { version: '1.1', defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'QUOTE_DOUBLE', lineWidth: 0 });
  for (const [n, { raw }] of chosen) {
    const marker = `"${MARK}${n}@@"`;
    const i = text.indexOf(marker);
    if (i < 0) continue;
    // Multi-line snippets are indented to the marker's column.
    const col = i - text.lastIndexOf('\n', i) - 1;
    const indented = raw.replace(/\n(?=.)/g, `\n${' '.repeat(col + 2)}`);
    text = text.slice(0, i) + indented + text.slice(i + marker.length);
  }
  return text;
}

export const rawSnippetArb: fc.Arbitrary<FuzzInput> = fc
  .tuple(fc.oneof(seedArb.map((s) => s.docs[0]), podArb), fc.array(holeArb, { minLength: 1, maxLength: 5 }))
  .map(([doc, holes]) => input(withRawSnippets(doc, holes), `raw YAML snippets (${holes.length})`));

// ---------------------------------------------------------------------------------------------
// inputs: deep structures
// ---------------------------------------------------------------------------------------------

const POD_HEAD = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: deep\n';
const SPEC = 'spec:\n  containers:\n  - name: c\n    image: i\n';

type DeepKind = 'flow-seq' | 'flow-map' | 'flow-mixed' | 'block-seq' | 'block-map' | 'json-nested' | 'flow-null-map' | 'anchored';
type DeepSlot = 'annotation' | 'label-value' | 'container-field' | 'top-level' | 'spec' | 'command' | 'list-item';

/** A value nested `depth` levels, as YAML text that starts at column `indent` (block kinds). */
function deepText(kind: DeepKind, depth: number, indent: number): string {
  switch (kind) {
    case 'flow-seq':
      return `${'['.repeat(depth)}x${']'.repeat(depth)}`;
    case 'flow-map':
      return `${'{a: '.repeat(depth)}x${'}'.repeat(depth)}`;
    case 'flow-null-map':
      return `${'{a: '.repeat(depth)}~${'}'.repeat(depth)}`;
    case 'flow-mixed':
      return `${'[{a: '.repeat(depth)}x${'}]'.repeat(depth)}`;
    case 'json-nested':
      return `${'{"a":['.repeat(depth)}null${']}'.repeat(depth)}`;
    case 'block-seq':
      return `\n${' '.repeat(indent)}${'- '.repeat(depth)}x`;
    case 'block-map': {
      // Each level indents once more: size grows with depth², so it is capped by the caller.
      let s = '';
      for (let i = 0; i < depth; i++) s += `\n${' '.repeat(indent + i)}a:`;
      return `${s} ~`;
    }
    case 'anchored':
      return `&deep ${'['.repeat(Math.min(depth, 200))}x${']'.repeat(Math.min(depth, 200))}`;
  }
}

export function deepManifest(kind: DeepKind, slot: DeepSlot, depth: number): string {
  const d = kind === 'block-map' ? Math.min(depth, 2500) : depth;
  switch (slot) {
    case 'annotation':
      return `${POD_HEAD}  annotations:\n    x: ${deepText(kind, d, 6)}\n${SPEC}`;
    case 'label-value':
      return `${POD_HEAD}  labels:\n    x: ${deepText(kind, d, 6)}\n${SPEC}`;
    case 'container-field':
      return `${POD_HEAD}${SPEC}    env: ${deepText(kind, d, 6)}\n`;
    case 'command':
      return `${POD_HEAD}${SPEC}    command: ${deepText(kind, d, 6)}\n`;
    case 'top-level':
      return `${POD_HEAD}${SPEC}extra: ${deepText(kind, d, 2)}\n`;
    case 'spec':
      return `${POD_HEAD}spec: ${deepText(kind, d, 2)}\n`;
    case 'list-item':
      return `apiVersion: v1\nkind: List\nitems:\n- ${deepText(kind, d, 2)}\n`;
  }
}

const depthArb = fc.oneof(
  fc.integer({ min: 1, max: 300 }),
  fc.constantFrom(255, 256, 257, 258, 300, 511, 512, 513, 1000, 1024, 2000, 2048, 4096, 5000, 10000, 50000, 200000),
);

export const deepArb: fc.Arbitrary<FuzzInput> = fc
  .tuple(
    fc.constantFrom<DeepKind>('flow-seq', 'flow-map', 'flow-mixed', 'block-seq', 'block-map', 'json-nested', 'flow-null-map', 'anchored'),
    fc.constantFrom<DeepSlot>('annotation', 'label-value', 'container-field', 'command', 'top-level', 'spec', 'list-item'),
    depthArb,
  )
  .map(([kind, slot, depth]) => input(deepManifest(kind, slot, depth), `deep ${kind} at ${slot}, depth ${depth}`));

// ---------------------------------------------------------------------------------------------
// inputs: wide structures and big inputs
// ---------------------------------------------------------------------------------------------

type WideKind =
  | 'labels' | 'annotations' | 'containers' | 'env' | 'ports' | 'host-ports' | 'volumes-mounts' | 'documents' | 'empty-documents'
  | 'aliases' | 'distinct-aliases' | 'alias-bomb' | 'long-string' | 'long-name' | 'long-line-comment' | 'list-items' | 'flow-map-keys' | 'duplicate-names';

function pod(name: string, extra: Record<string, unknown> = {}, containers: unknown[] = [{ name: 'c', image: 'i' }]): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, ...extra }, spec: { containers } };
}

export function wideManifest(kind: WideKind, n: number, json: boolean): string {
  const ser = (d: unknown): string => (json ? JSON.stringify(d) : YAML.stringify(d, { version: '1.1' }));
  const range = (k: number): number[] => Array.from({ length: k }, (_, i) => i);
  switch (kind) {
    case 'labels':
      return ser(pod('wide', { labels: Object.fromEntries(range(n).map((i) => [`k${i}`, `v${i}`])) }));
    case 'annotations':
      return ser(pod('wide', { annotations: Object.fromEntries(range(n).map((i) => [`example.com/a${i}`, 'x'.repeat(i % 50)])) }));
    case 'containers':
      return ser(pod('wide', {}, range(n).map((i) => ({ name: `c${i}`, image: 'i', ports: [{ containerPort: 1 + (i % 65535) }] }))));
    case 'env':
      return ser(pod('wide', {}, [{ name: 'c', image: 'i', env: range(n).map((i) => ({ name: `V${i}`, value: `$(V${i - 1})` })) }]));
    case 'ports':
      return ser(pod('wide', {}, [{ name: 'c', image: 'i', ports: range(n).map((i) => ({ name: `p${i % 1000}`, containerPort: 1 + (i % 65535) })) }]));
    case 'host-ports':
      return ser({ ...pod('wide', {}, range(Math.ceil(n / 10)).map((c) => ({ name: `c${c}`, image: 'i', ports: range(10).map((i) => ({ containerPort: 1 + i, hostPort: 1 + ((c * 10 + i) % 65535) })) }))) });
    case 'volumes-mounts': {
      const p = pod('wide', {}, [{ name: 'c', image: 'i', volumeMounts: range(n).map((i) => ({ name: `v${i}`, mountPath: `/m/${i}` })) }]);
      (p.spec as Record<string, unknown>).volumes = range(n).map((i) => ({ name: `v${i}`, emptyDir: {} }));
      return ser(p);
    }
    case 'documents':
      return range(n).map((i) => ser(pod(`p${i}`))).join(json ? '\n---\n' : '---\n');
    case 'empty-documents':
      return `${'---\n'.repeat(n)}${ser(pod('last'))}`;
    case 'aliases':
      return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: &l {a: b}\nspec:\n  containers:\n${range(n).map((i) => `  - {name: c${i}, image: i, env: &e${i} [], resources: {}}\n`).join('')}  nodeSelector: *l\n${range(Math.min(n, 500)).map((i) => `x${i}: *e${i}\n`).join('')}`;
    case 'distinct-aliases': {
      // n anchors, each aliased once in an anchored list that is aliased again.
      const anchors = range(n).map((i) => `  a${i}: &a${i} v${i}\n`).join('');
      return `apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: i}]}\nx:\n${anchors}  b: &b [${range(n).map((i) => `*a${i}`).join(', ')}]\n  c: *b\n`;
    }
    case 'alias-bomb': {
      const levels = Math.max(2, Math.min(12, Math.round(Math.log2(n))));
      let s = 'apiVersion: v1\nkind: Pod\nmetadata: {name: bomb}\nspec: {containers: [{name: c, image: i}]}\nl0: &l0 [x, x, x, x, x, x, x, x, x]\n';
      for (let i = 1; i < levels; i++) s += `l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]\n`;
      return s;
    }
    case 'long-string':
      return ser(pod('long', { annotations: { big: 'x'.repeat(n * 100) } }));
    case 'long-name':
      return ser(pod('n'.repeat(n * 100), { labels: { ['k'.repeat(n * 10)]: 'v'.repeat(n * 10) } }));
    case 'long-line-comment':
      return `# ${'c'.repeat(n * 100)}\n${ser(pod('commented'))}`;
    case 'list-items':
      return ser({ apiVersion: 'v1', kind: 'PodList', items: range(n).map((i) => pod(`p${i}`)) });
    case 'flow-map-keys':
      return `apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {${range(n).map((i) => `k${i}: v`).join(', ')}}}\nspec: {containers: [{name: c, image: i}]}\n`;
    case 'duplicate-names':
      return ser(pod('dup', {}, range(n).map(() => ({ name: 'same', image: 'i', ports: [{ name: 'p', containerPort: 80, hostPort: 80 }], volumeMounts: [{ name: 'v', mountPath: '/m' }] }))));
  }
}

const WIDE_KINDS: WideKind[] = ['labels', 'annotations', 'containers', 'env', 'ports', 'host-ports', 'volumes-mounts', 'documents', 'empty-documents', 'aliases', 'distinct-aliases', 'alias-bomb', 'long-string', 'long-name', 'long-line-comment', 'list-items', 'flow-map-keys', 'duplicate-names'];

/** Width up to `maxN` (elements; strings are 100 characters per unit). */
export const wideArb = (maxN: number): fc.Arbitrary<FuzzInput> =>
  fc
    .tuple(fc.constantFrom(...WIDE_KINDS), fc.oneof(fc.integer({ min: 1, max: maxN }), fc.constantFrom(99, 100, 101, 1000, maxN)), fc.boolean())
    .map(([kind, n, json]) => input(wideManifest(kind, Math.min(n, maxN), json), `wide ${kind} n=${Math.min(n, maxN)} ${json ? 'json' : 'yaml'}`));
