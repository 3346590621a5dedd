import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NodeSelectorRequirement, PodSpec } from '../../../src/api/generated/core-v1.js';
import { matchesNode, nodeLabels } from '../../../src/admission/affinity.js';
import { parseNodeLabels } from '../../../src/config/settings.js';

const labels = nodeLabels('edge-1', { zone: 'a', gen: '3' });
const spec = (over: Partial<PodSpec>): PodSpec => ({ containers: [], ...over });
const required = (...terms: Array<{ matchExpressions?: NodeSelectorRequirement[]; matchFields?: NodeSelectorRequirement[] }>): Partial<PodSpec> => ({
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } },
});
const expr = (key: string, operator: NodeSelectorRequirement['operator'], values?: string[]): NodeSelectorRequirement => ({ key, operator, ...(values ? { values } : {}) });

describe('node affinity admission', () => {
  test("the node's own labels: hostname, os and arch, then --node-labels", () => {
    assert.equal(labels['kubernetes.io/hostname'], 'edge-1');
    assert.equal(labels['kubernetes.io/os'], 'linux');
    assert.match(labels['kubernetes.io/arch']!, /^(amd64|arm64|arm|386|ppc64le|s390x|riscv64|loong64)$/);
    assert.equal(labels.zone, 'a');
  });

  test('nodeSelector: every pair must match', () => {
    assert.equal(matchesNode(spec({}), labels, 'edge-1'), true);
    assert.equal(matchesNode(spec({ nodeSelector: { zone: 'a', 'kubernetes.io/os': 'linux' } }), labels, 'edge-1'), true);
    assert.equal(matchesNode(spec({ nodeSelector: { zone: 'b' } }), labels, 'edge-1'), false);
    assert.equal(matchesNode(spec({ nodeSelector: { missing: '' } }), labels, 'edge-1'), false);
  });

  test('required affinity: expressions AND within a term, terms OR; an empty term matches nothing', () => {
    const m = (...r: NodeSelectorRequirement[]) => matchesNode(spec(required({ matchExpressions: r })), labels, 'edge-1');
    assert.equal(m(expr('zone', 'In', ['a', 'b'])), true);
    assert.equal(m(expr('zone', 'NotIn', ['a'])), false);
    assert.equal(m(expr('nope', 'NotIn', ['a'])), true);
    assert.equal(m(expr('zone', 'Exists')), true);
    assert.equal(m(expr('zone', 'DoesNotExist')), false);
    assert.equal(m(expr('gen', 'Gt', ['2'])), true);
    assert.equal(m(expr('gen', 'Lt', ['2'])), false);
    assert.equal(m(expr('zone', 'Gt', ['2'])), false, 'a non-integer label never compares');
    assert.equal(m(expr('zone', 'In', ['a']), expr('gen', 'In', ['4'])), false);
    assert.equal(matchesNode(spec(required({ matchExpressions: [expr('zone', 'In', ['x'])] }, { matchFields: [expr('metadata.name', 'In', ['edge-1'])] })), labels, 'edge-1'), true);
    assert.equal(matchesNode(spec(required({ matchFields: [expr('metadata.name', 'NotIn', ['edge-1'])] })), labels, 'edge-1'), false);
    assert.equal(matchesNode(spec(required({})), labels, 'edge-1'), false);
  });

  test('--node-labels parses key=value pairs and refuses bad ones', () => {
    assert.deepEqual(parseNodeLabels('a=1, example.com/role=edge,empty='), { a: '1', 'example.com/role': 'edge', empty: '' });
    assert.deepEqual(parseNodeLabels(''), {});
    assert.throws(() => parseNodeLabels('novalue'), /expected key=value/);
    assert.throws(() => parseNodeLabels('bad key=1'), /invalid label "bad key=1"/);
  });
});
