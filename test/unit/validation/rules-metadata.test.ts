import { runCases } from './helpers.js';

runCases([
  { name: 'pod name is a DNS-1123 subdomain', valid: (p) => (p.metadata.name = 'web.example-1'), invalid: (p) => (p.metadata.name = 'Web_1'), path: 'metadata.name', fragment: 'RFC 1123 subdomain' },
  { name: 'pod name is required', valid: (p) => (p.metadata.name = 'a'), invalid: (p) => delete p.metadata.name, path: 'metadata.name', fragment: 'name is required' },
  { name: 'pod name at most 253 characters', valid: (p) => (p.metadata.name = 'a'.repeat(253)), invalid: (p) => (p.metadata.name = 'a'.repeat(254)), path: 'metadata.name', fragment: 'no more than 253' },
  { name: 'namespace is a DNS-1123 label', valid: (p) => (p.metadata.namespace = 'my-ns'), invalid: (p) => (p.metadata.namespace = 'my.ns'), path: 'metadata.namespace', fragment: 'RFC 1123 label' },
  {
    name: 'uid names directories: one safe path component',
    valid: (p) => (p.metadata.uid = '0c7b7b5e-3f1a-4c55-9a4e-7d2f1b6a9c10'),
    invalid: (p) => (p.metadata.uid = '../../x'),
    path: 'metadata.uid',
    fragment: 'must be a single path component',
  },
  { name: 'uid is not "."', valid: (p) => (p.metadata.uid = 'a.b_c-1'), invalid: (p) => (p.metadata.uid = '..'), path: 'metadata.uid', fragment: 'must be a single path component' },
  { name: 'uid at most 128 characters', valid: (p) => (p.metadata.uid = 'a'.repeat(128)), invalid: (p) => (p.metadata.uid = 'a'.repeat(129)), path: 'metadata.uid', fragment: 'at most 128' },
  { name: 'label key is a qualified name', valid: (p) => (p.metadata.labels['example.com/tier'] = 'front'), invalid: (p) => (p.metadata.labels['bad key'] = 'x'), path: 'metadata.labels[bad key]', fragment: 'name part must consist' },
  { name: 'label key prefix is a DNS subdomain', valid: (p) => (p.metadata.labels['a.b/c'] = 'x'), invalid: (p) => (p.metadata.labels['Example.com/x'] = 'x'), path: 'metadata.labels[Example.com/x]', fragment: 'prefix part' },
  { name: 'label value syntax', valid: (p) => (p.metadata.labels.app = ''), invalid: (p) => (p.metadata.labels.app = 'a b'), path: 'metadata.labels[app]', fragment: 'valid label must be' },
  { name: 'label value at most 63 characters', valid: (p) => (p.metadata.labels.app = 'a'.repeat(63)), invalid: (p) => (p.metadata.labels.app = 'a'.repeat(64)), path: 'metadata.labels[app]', fragment: 'no more than 63' },
  { name: 'annotation key is a qualified name (case-insensitive)', valid: (p) => (p.metadata.annotations['Example.COM/Owner'] = 'x'), invalid: (p) => (p.metadata.annotations['a/b/c'] = 'x'), path: 'metadata.annotations[a/b/c]', fragment: 'qualified name' },
  {
    name: 'annotations total size at most 256 KiB',
    valid: (p) => (p.metadata.annotations['example.com/big'] = 'x'.repeat(200 * 1024)),
    invalid: (p) => (p.metadata.annotations['example.com/big'] = 'x'.repeat(256 * 1024)),
    path: 'metadata.annotations',
    fragment: 'may not have more than 262144 bytes',
  },
]);
