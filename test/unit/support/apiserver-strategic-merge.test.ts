import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OBJECT_META, PATCH_META } from '../../support/apiserver/patch-meta.js';
import { applyPatch, jsonPatch, mergePatch } from '../../support/apiserver/patch.js';
import { ApiError } from '../../support/apiserver/status.js';
import { strategicMergePatch } from '../../support/apiserver/strategic-merge.js';
import type { Json, JsonObject } from '../../support/apiserver/types.js';

const NODE = 'io.k8s.api.core.v1.Node';
const POD = 'io.k8s.api.core.v1.Pod';
const smp = (o: JsonObject, p: Json, type = NODE) => strategicMergePatch(o, p, type);

const cond = (type: string, status: string, extra: JsonObject = {}): JsonObject => ({ type, status, ...extra });

describe('strategic merge patch (emulator)', () => {
  test('node conditions merge by type; the patched one changes, the others stay in place', () => {
    const node = { status: { conditions: [cond('MemoryPressure', 'False'), cond('Ready', 'False', { reason: 'KubeletNotReady' })] } };
    const out = smp(node, { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } });
    assert.deepEqual(out, { status: { conditions: [cond('MemoryPressure', 'False'), cond('Ready', 'True', { reason: 'KubeletReady' })] } });
  });

  test('a condition new to the list is appended; null removes a field of a merged element', () => {
    const node = { status: { conditions: [cond('Ready', 'True', { message: 'm' })] } };
    const out = smp(node, { status: { conditions: [{ type: 'Ready', message: null }, cond('PIDPressure', 'False')] } });
    assert.deepEqual(out, { status: { conditions: [cond('Ready', 'True'), cond('PIDPressure', 'False')] } });
  });

  test('$setElementOrder orders the merged list; server-only elements keep their place', () => {
    const node = { status: { conditions: [cond('A', 'x'), cond('Ready', 'x'), cond('B', 'x'), cond('Z', 'x')] } };
    const patch = {
      status: {
        '$setElementOrder/conditions': [{ type: 'B' }, { type: 'A' }, { type: 'Ready' }],
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    };
    const types = (smp(node, patch)['status'] as JsonObject)['conditions'] as JsonObject[];
    assert.deepEqual(types.map((c) => c['type']), ['B', 'A', 'Ready', 'Z']);
    assert.equal(types[2]!['status'], 'True');
    assert.ok(!JSON.stringify(smp(node, patch)).includes('$setElementOrder'), 'directives are not stored');
  });

  test('$setElementOrder that contradicts the patch list is a 400', () => {
    const patch = { status: { '$setElementOrder/conditions': [{ type: 'A' }, { type: 'B' }], conditions: [{ type: 'B', status: '1' }, { type: 'A', status: '1' }] } };
    assert.throws(() => smp({ status: {} }, patch), (e: unknown) => e instanceof ApiError && e.status.code === 400);
  });

  test('addresses merge by type, and a $patch: replace element replaces the whole list (what the kubelet sends on change)', () => {
    const node = { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n1' }] } };
    const merged = smp(node, { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }] } });
    assert.deepEqual((merged['status'] as JsonObject)['addresses'], [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'n1' }]);
    const replaced = smp(node, { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.3' }, { $patch: 'replace' }] } });
    assert.deepEqual((replaced['status'] as JsonObject)['addresses'], [{ type: 'InternalIP', address: '10.0.0.3' }]);
  });

  test('lists without a patch strategy are replaced whole: images, taints, containerStatuses', () => {
    const node = { spec: { taints: [{ key: 'a', effect: 'NoSchedule' }, { key: 'b', effect: 'NoSchedule' }] }, status: { images: [{ names: ['x'], sizeBytes: 1 }, { names: ['y'], sizeBytes: 2 }] } };
    const out = smp(node, { spec: { taints: [{ key: 'a', effect: 'NoExecute' }] }, status: { images: [{ names: ['z'], sizeBytes: 3 }] } });
    assert.deepEqual(out, { spec: { taints: [{ key: 'a', effect: 'NoExecute' }] }, status: { images: [{ names: ['z'], sizeBytes: 3 }] } });
    const pod = { status: { containerStatuses: [{ name: 'a', ready: true }, { name: 'b', ready: true }] } };
    assert.deepEqual(smp(pod, { status: { containerStatuses: [{ name: 'a', ready: false }] } }, POD), { status: { containerStatuses: [{ name: 'a', ready: false }] } });
  });

  test('pod conditions merge by type and containers by name; $patch: delete removes one element', () => {
    const pod: JsonObject = {
      spec: { containers: [{ name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }] }, { name: 'b', image: 'b:1' }] },
      status: { conditions: [cond('Initialized', 'True'), cond('Ready', 'False')] },
    };
    const out = smp(pod, {
      spec: { containers: [{ name: 'a', env: [{ name: 'Y', value: '2' }] }, { name: 'b', $patch: 'delete' }] },
      status: { conditions: [cond('Ready', 'True')] },
    }, POD);
    // As upstream orders a merge, an element new to the list goes before the server-only ones.
    assert.deepEqual(out, {
      spec: { containers: [{ name: 'a', image: 'a:1', env: [{ name: 'Y', value: '2' }, { name: 'X', value: '1' }] }] },
      status: { conditions: [cond('Initialized', 'True'), cond('Ready', 'True')] },
    });
  });

  test('ownerReferences merge by uid; finalizers merge as a set and $deleteFromPrimitiveList removes', () => {
    const o = { metadata: { ownerReferences: [{ uid: 'u1', kind: 'Node', name: 'n1' }], finalizers: ['a', 'b'] } };
    const out = smp(o, { metadata: { ownerReferences: [{ uid: 'u2', kind: 'Node', name: 'n2' }], finalizers: ['b', 'c'], '$deleteFromPrimitiveList/finalizers': ['a'] } }, POD);
    assert.deepEqual(out, { metadata: { ownerReferences: [{ uid: 'u2', kind: 'Node', name: 'n2' }, { uid: 'u1', kind: 'Node', name: 'n1' }], finalizers: ['b', 'c'] } });
  });

  test('$patch on maps: replace swaps the map, delete empties it', () => {
    const o = { metadata: { labels: { a: '1', b: '2' } }, spec: { nodeSelector: { x: 'y' } } };
    const out = smp(o, { metadata: { labels: { $patch: 'replace', c: '3' } }, spec: { nodeSelector: { $patch: 'delete' } } }, POD);
    assert.deepEqual(out, { metadata: { labels: { c: '3' } }, spec: { nodeSelector: {} } });
    assert.throws(() => smp(o, { metadata: { labels: { $patch: 'bogus' } } }, POD), (e: unknown) => e instanceof ApiError && e.status.code === 400);
  });

  test('$retainKeys clears the fields of a union member it does not list', () => {
    const pod = { spec: { volumes: [{ name: 'v', hostPath: { path: '/x' } }] } };
    const out = smp(pod, { spec: { volumes: [{ name: 'v', emptyDir: {}, $retainKeys: ['emptyDir', 'name'] }] } }, POD);
    assert.deepEqual(out, { spec: { volumes: [{ name: 'v', emptyDir: {} }] } });
  });

  test('a merged list element without its merge key is refused', () => {
    assert.throws(() => smp({ status: { conditions: [cond('Ready', 'True')] } }, { status: { conditions: [{ status: 'False' }] } }), (e: unknown) => e instanceof ApiError && e.status.code === 500);
  });

  test('a patch computed as the kubelet computes it (old → new node status) yields the new status', () => {
    const old = { metadata: { name: 'n1', labels: { a: '1' } }, status: { conditions: [cond('MemoryPressure', 'False'), cond('Ready', 'False')], images: [{ names: ['x'] }] } };
    const patch = {
      metadata: { labels: { 'kubernetes.io/os': 'linux' } },
      status: {
        '$setElementOrder/conditions': [{ type: 'MemoryPressure' }, { type: 'Ready' }],
        conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:10Z' }],
        images: [{ names: ['x'] }, { names: ['y'] }],
      },
    };
    assert.deepEqual(smp(old, patch), {
      metadata: { name: 'n1', labels: { a: '1', 'kubernetes.io/os': 'linux' } },
      status: { conditions: [cond('MemoryPressure', 'False'), cond('Ready', 'True', { lastHeartbeatTime: '2026-01-01T00:00:10Z' })], images: [{ names: ['x'] }, { names: ['y'] }] },
    });
  });
});

describe('merge patch and JSON patch (emulator)', () => {
  test('RFC 7386 merge patch: maps merge, lists and scalars replace, null deletes', () => {
    assert.deepEqual(mergePatch({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3], e: null }, d: null, f: 'x' }), { a: { b: 1, c: [3] }, f: 'x' });
  });

  test('RFC 6902 JSON patch: add/replace/remove/move/copy/test; a failed test is 422', () => {
    const doc = { spec: { list: ['a', 'b'] }, metadata: { labels: { 'app/x': '1' } } };
    const out = jsonPatch(doc, [
      { op: 'add', path: '/spec/list/-', value: 'c' },
      { op: 'replace', path: '/spec/list/0', value: 'z' },
      { op: 'remove', path: '/metadata/labels/app~1x' },
      { op: 'copy', from: '/spec/list', path: '/spec/copy' },
      { op: 'move', from: '/spec/copy', path: '/spec/moved' },
      { op: 'test', path: '/spec/list/1', value: 'b' },
    ]);
    assert.deepEqual(out, { spec: { list: ['z', 'b', 'c'], moved: ['z', 'b', 'c'] }, metadata: { labels: {} } });
    assert.throws(() => jsonPatch(doc, [{ op: 'test', path: '/spec/list/0', value: 'q' }]), (e: unknown) => e instanceof ApiError && e.status.code === 422);
  });

  test('an unknown patch content type is 415 Unsupported Media Type', () => {
    assert.throws(() => applyPatch('application/apply-patch+yaml', { metadata: {} }, '{}', POD), (e: unknown) => e instanceof ApiError && e.status.code === 415 && e.status.reason === 'UnsupportedMediaType');
  });
});

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

interface SwaggerProp {
  $ref?: string;
  items?: { $ref?: string };
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
}

test('the hard-coded patch metadata matches x-kubernetes-patch-* of the OpenAPI document', (t) => {
  const file = process.env['STATICLET_SWAGGER'] ?? resolve(repoRoot(), '..', 'shared', 'reference', 'kubernetes', 'swagger-v1.36.json');
  if (!existsSync(file)) {
    t.skip(`OpenAPI document not available at ${file}`);
    return;
  }
  const defs = (JSON.parse(readFileSync(file, 'utf8')) as { definitions: Record<string, { properties?: Record<string, SwaggerProp> }> }).definitions;
  const problems: string[] = [];
  const seen = new Set<string>();
  // Walks the document from each served kind the way a patch descends: into objects, and into the
  // elements of merged lists (a list without a strategy is replaced, so nothing below it matters).
  const walk = (def: string, ours: string | undefined, path: string) => {
    const key = `${def}|${ours ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    for (const [field, p] of Object.entries(defs[def]?.properties ?? {})) {
      const meta = ours ? PATCH_META[ours]?.[field] : undefined;
      const strategy = p['x-kubernetes-patch-strategy'];
      const mergeKey = p['x-kubernetes-patch-merge-key'];
      if ((strategy ?? undefined) !== meta?.strategy || (mergeKey ?? undefined) !== meta?.mergeKey) {
        problems.push(`${path}.${field}: swagger ${strategy ?? '-'}/${mergeKey ?? '-'}, emulator ${meta?.strategy ?? '-'}/${meta?.mergeKey ?? '-'}`);
      }
      const ref = (p.$ref ?? (strategy?.includes('merge') ? p.items?.$ref : undefined))?.replace('#/definitions/', '');
      if (ref) {
        if (meta?.type && meta.type !== ref) problems.push(`${path}.${field}: type ${meta.type}, swagger ${ref}`);
        walk(ref, meta?.type, `${path}.${field}`);
      }
    }
  };
  for (const root of Object.keys(PATCH_META).filter((k) => k !== OBJECT_META && /\.(Node|Pod|Namespace|Event|Lease|CertificateSigningRequest)$/.test(k))) walk(root, root, root.split('.').pop()!);
  assert.deepEqual(problems, []);
});
