import { test } from 'node:test';
import assert from 'node:assert/strict';
import { field, index, key } from '../../../src/validation/path.js';

test('paths read like field.Path: fields dotted, indices and map keys in brackets', () => {
  assert.equal(key(index(field(field('', 'spec'), 'containers'), 1), 'cpu'), 'spec.containers[1][cpu]');
  assert.equal(key('metadata.labels', 'example.com/app'), 'metadata.labels[example.com/app]');
});

test('empty names and names with control or line-breaking characters are quoted, so a path is never empty nor more than one line', () => {
  assert.equal(field('', ''), '[""]');
  assert.equal(field('spec', ''), 'spec[""]');
  assert.equal(field('spec', 'a\nb'), 'spec["a\\nb"]');
  assert.equal(key('metadata.labels', ''), 'metadata.labels[""]');
  assert.equal(key('metadata.labels', 'a\u2028b\u007f\u0085'), 'metadata.labels["a\\u2028b\\u007f\\u0085"]');
  assert.equal(key('m', 'tab\there'), 'm["tab\\there"]');
});
