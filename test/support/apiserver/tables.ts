// Server-side printing: kubectl asks for `application/json;as=Table;g=meta.k8s.io;v=v1` and prints
// the columns the server returns. Columns and cell rules are those of the API server's printers for
// these kinds (priority 1 columns appear with -o wide). Durations and the pod row come from the
// staticlet CLI's own copies of those printer rules.
import type { Pod } from '../../../src/api/generated/core-v1.js';
import { humanDuration, since as sinceTime } from '../../../src/cli/human-duration.js';
import { summarizePod } from '../../../src/cli/pod-status.js';
import { isObject, type Json, type JsonObject, type KubeObject } from './types.js';

export interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  format: string;
  description: string;
  priority: number;
}

export interface Printer {
  columns: Column[];
  cells(o: KubeObject, now: number): Json[];
}

const col = (name: string, description: string, priority = 0, format = ''): Column => ({ name, type: 'string', format, description, priority });
const NAME = col('Name', 'Name must be unique within a namespace.', 0, 'name');
const AGE = col('Age', 'The time since the object was created.');

const o = (v: Json | undefined): JsonObject => (isObject(v) ? v : {});
const l = (v: Json | undefined): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);
const s = (v: Json | undefined, dflt = ''): string => (typeof v === 'string' && v !== '' ? v : dflt);

function since(ts: Json | undefined, now: number): string {
  return sinceTime(typeof ts === 'string' ? ts : undefined, now);
}

function age(x: KubeObject, now: number): string {
  return since(x.metadata.creationTimestamp, now);
}

const node: Printer = {
  columns: [
    NAME,
    col('Status', 'The status of the node'),
    col('Roles', 'The roles of the node'),
    AGE,
    col('Version', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'List of internal IPs.', 1),
    col('External-IP', 'List of external IPs.', 1),
    col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    col('Kernel-Version', 'Kernel Version reported by the node.', 1),
    col('Container-Runtime', 'Container Runtime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
  ],
  cells(n, now) {
    const status = o(n['status'] as Json);
    const ready = l(status['conditions']).find((c) => c['type'] === 'Ready');
    const parts = [ready ? (ready['status'] === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
    if (o(n['spec'] as Json)['unschedulable'] === true) parts.push('SchedulingDisabled');
    const roles = new Set<string>();
    for (const [k, v] of Object.entries(n.metadata.labels ?? {})) {
      if (k.startsWith('node-role.kubernetes.io/')) roles.add(k.slice('node-role.kubernetes.io/'.length));
      else if (k === 'kubernetes.io/role' && v) roles.add(v);
    }
    const addr = (t: string) => s(l(status['addresses']).find((a) => a['type'] === t)?.['address'], '<none>');
    const info = o(status['nodeInfo']);
    return [
      n.metadata.name!,
      parts.join(','),
      roles.size ? [...roles].sort().join(',') : '<none>',
      age(n, now),
      s(info['kubeletVersion']),
      addr('InternalIP'),
      addr('ExternalIP'),
      s(info['osImage'], '<unknown>'),
      s(info['kernelVersion'], '<unknown>'),
      s(info['containerRuntimeVersion'], '<unknown>'),
    ];
  },
};

const pod: Printer = {
  columns: [
    NAME,
    col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'The aggregate status of the containers in this pod.'),
    { ...col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'), type: 'string' },
    AGE,
    col('IP', 'IP address allocated to the pod.', 1),
    col('Node', 'Name of the node assigned to the pod.', 1),
    col('Nominated Node', 'Name of the node nominated for the pod.', 1),
    col('Readiness Gates', 'Readiness gates of the pod.', 1),
  ],
  cells(p, now) {
    const spec = o(p['spec'] as Json);
    const status = o(p['status'] as Json);
    const row = summarizePod(p as unknown as Pod, now);
    const gates = l(spec['readinessGates']);
    const gatesTrue = gates.filter((g) => l(status['conditions']).some((c) => c['type'] === g['conditionType'] && c['status'] === 'True')).length;
    return [row.name, row.ready, row.status, row.restarts, row.age, row.ip, row.node, s(status['nominatedNodeName'], '<none>'), gates.length ? `${gatesTrue}/${gates.length}` : '<none>'];
  },
};

const namespace: Printer = {
  columns: [NAME, col('Status', 'The status of the namespace'), AGE],
  cells: (n, now) => [n.metadata.name!, s(o(n['status'] as Json)['phase']), age(n, now)],
};

const lease: Printer = {
  columns: [NAME, col('Holder', 'The holder of the lease.'), AGE],
  cells: (x, now) => [x.metadata.name!, s(o(x['spec'] as Json)['holderIdentity']), age(x, now)],
};

const event: Printer = {
  columns: [
    col('Last Seen', 'Time when last event occurred'),
    col('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
    col('Reason', 'Reason why this event was generated'),
    col('Object', 'Object this event is about'),
    col('Subobject', 'Subobject of the object this event is about', 1),
    col('Source', 'Component that generated the event', 1),
    col('Message', 'A human readable description of the event'),
    col('First Seen', 'Time when the first event occurred', 1),
    col('Count', 'Number of times this event has occurred', 1),
    { ...col('Name', 'Name of the event', 1), format: 'name' },
  ],
  cells(e, now) {
    const inv = o(e['involvedObject'] as Json);
    const series = o(e['series'] as Json);
    const src = o(e['source'] as Json);
    const last = s(series['lastObservedTime'], s(e['lastTimestamp'] as Json, s(e['eventTime'] as Json)));
    const first = s(e['firstTimestamp'] as Json, s(e['eventTime'] as Json));
    const source = s(src['component']) ? `${s(src['component'])}${s(src['host']) ? `, ${s(src['host'])}` : ''}` : s(e['reportingComponent'] as Json);
    const count = typeof series['count'] === 'number' ? series['count'] : typeof e['count'] === 'number' ? e['count'] : 1;
    return [
      since(last, now),
      s(e['type'] as Json),
      s(e['reason'] as Json),
      `${s(inv['kind']).toLowerCase()}/${s(inv['name'])}`,
      s(inv['fieldPath']),
      source,
      s(e['message'] as Json).trim(),
      since(first, now),
      count,
      e.metadata.name!,
    ];
  },
};

const csr: Printer = {
  columns: [
    NAME,
    AGE,
    col('SignerName', 'Name of the signer'),
    col('Requestor', 'Name of the requestor'),
    col('RequestedDuration', 'Requested certificate duration'),
    col('Condition', 'The condition of the certificate'),
  ],
  cells(c, now) {
    const spec = o(c['spec'] as Json);
    const status = o(c['status'] as Json);
    const conds = l(status['conditions']).map((x) => s(x['type']));
    if (s(status['certificate'])) conds.push('Issued');
    const d = spec['expirationSeconds'];
    return [c.metadata.name!, age(c, now), s(spec['signerName']), s(spec['username']), typeof d === 'number' ? humanDuration(d * 1000) : '<none>', conds.length ? conds.join(',') : 'Pending'];
  },
};

export const PRINTERS: Record<string, Printer> = { nodes: node, pods: pod, namespaces: namespace, leases: lease, events: event, certificatesigningrequests: csr };

/** The generic columns the server prints for a kind without its own printer. */
export const DEFAULT_PRINTER: Printer = {
  columns: [NAME, { ...col('Created At', 'Timestamp when the object was created.'), type: 'date' }],
  cells: (x) => [x.metadata.name!, x.metadata.creationTimestamp ?? ''],
};

export function asTable(printer: Printer, objects: KubeObject[], includeObject: string, listMeta: JsonObject): JsonObject {
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: printer.columns as unknown as Json[],
    rows: objects.map((x) => ({
      cells: printer.cells(x, now),
      ...(includeObject === 'None'
        ? {}
        : { object: includeObject === 'Object' ? (x as unknown as JsonObject) : ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: x.metadata } as unknown as JsonObject) }),
    })),
  };
}
