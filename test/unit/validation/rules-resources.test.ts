import { runCases } from './helpers.js';

const r = 'spec.containers[0].resources';
runCases([
  { name: 'cpu request <= limit', valid: (p) => (p.spec.containers[0].resources.requests.cpu = '500m'), invalid: (p) => (p.spec.containers[0].resources.requests.cpu = 1), path: `${r}.requests[cpu]`, fragment: 'must be less than or equal to cpu limit of 0.5' },
  { name: 'memory request <= limit across units', valid: (p) => (p.spec.containers[0].resources.requests.memory = '0.125Gi'), invalid: (p) => (p.spec.containers[0].resources.requests.memory = '134217729'), path: `${r}.requests[memory]`, fragment: 'memory limit of 128Mi' },
  { name: 'standard resource names', valid: (p) => (p.spec.containers[0].resources.limits['ephemeral-storage'] = '1Gi'), invalid: (p) => (p.spec.containers[0].resources.limits.cpus = '1'), path: `${r}.limits[cpus]`, fragment: 'standard resource' },
  { name: 'resource names are qualified names', valid: (p) => (p.spec.containers[0].resources.limits['example.com/gpu'] = 1), invalid: (p) => (p.spec.containers[0].resources.limits['example.com/g p u'] = 1), path: `${r}.limits[example.com/g p u]`, fragment: 'name part' },
  { name: 'extended resources are integers', valid: (p) => (p.spec.containers[0].resources.limits['example.com/gpu'] = '2'), invalid: (p) => (p.spec.containers[0].resources.limits['example.com/gpu'] = '0.5'), path: `${r}.limits[example.com/gpu]`, fragment: 'must be an integer' },
  {
    name: 'extended resource request equals limit',
    valid: (p) => Object.assign(p.spec.containers[0].resources, { limits: { 'example.com/gpu': 2 }, requests: { 'example.com/gpu': '2' } }),
    invalid: (p) => Object.assign(p.spec.containers[0].resources, { limits: { 'example.com/gpu': 2 }, requests: { 'example.com/gpu': 1 } }),
    path: `${r}.requests[example.com/gpu]`,
    fragment: 'must be equal to example.com/gpu limit of 2',
  },
  { name: 'extended resource request needs a limit', valid: (p) => (p.spec.containers[0].resources.limits['example.com/gpu'] = 1), invalid: (p) => (p.spec.containers[0].resources.requests['example.com/gpu'] = 1), path: `${r}.limits`, fragment: 'Limit must be set' },
  { name: 'quantities non-negative', valid: (p) => (p.spec.containers[0].resources.requests.cpu = 0), invalid: (p) => (p.spec.containers[0].resources.requests.cpu = '-100m'), path: `${r}.requests[cpu]`, fragment: 'greater than or equal to 0' },
  { name: 'quantities parse', valid: (p) => (p.spec.containers[0].resources.requests.cpu = '+.1e-1'), invalid: (p) => (p.spec.containers[0].resources.requests.cpu = '1.5.3'), path: `${r}.requests[cpu]`, fragment: 'invalid quantity "1.5.3"' },
  { name: 'quantity suffixes are case-sensitive', valid: (p) => (p.spec.containers[0].resources.limits.memory = '1Gi'), invalid: (p) => (p.spec.containers[0].resources.limits.memory = '1gb'), path: `${r}.limits[memory]`, fragment: 'invalid quantity' },
  {
    name: 'hugepages require cpu or memory',
    valid: (p) => (p.spec.containers[0].resources = { limits: { 'hugepages-2Mi': '4Mi', memory: '1Gi' }, requests: { 'hugepages-2Mi': '4Mi' } }),
    invalid: (p) => (p.spec.containers[0].resources = { limits: { 'hugepages-2Mi': '4Mi' }, requests: { 'hugepages-2Mi': '4Mi' } }),
    path: r,
    fragment: 'HugePages require cpu or memory',
  },
  { name: 'pod-level resources: cpu and memory only', valid: (p) => (p.spec.resources = { requests: { cpu: '2', memory: '1Gi' } }), invalid: (p) => (p.spec.resources = { requests: { 'ephemeral-storage': '1Gi' } }), path: 'spec.resources.requests[ephemeral-storage]', fragment: 'unsupported pod-level resource' },
  { name: 'pod-level request <= limit', valid: (p) => (p.spec.resources = { requests: { cpu: '1' } }), invalid: (p) => (p.spec.resources = { requests: { cpu: '2' }, limits: { cpu: '1' } }), path: 'spec.resources.requests[cpu]', fragment: 'less than or equal to cpu limit of 1' },
  { name: 'pod-level limits are refused: no pod cgroups to enforce them', valid: (p) => (p.spec.resources = { requests: { memory: '1Gi' } }), invalid: (p) => (p.spec.resources = { limits: { memory: '1Gi' } }), path: 'spec.resources.limits', fragment: 'pod-level limits are not supported by staticlet' },
]);
