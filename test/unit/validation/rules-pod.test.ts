import { runCases } from './helpers.js';

runCases([
  { name: 'activeDeadlineSeconds > 0', valid: (p) => (p.spec.activeDeadlineSeconds = 60), invalid: (p) => (p.spec.activeDeadlineSeconds = 0), path: 'spec.activeDeadlineSeconds', fragment: 'between 1 and 2147483647' },
  { name: 'terminationGracePeriodSeconds >= 0', valid: (p) => (p.spec.terminationGracePeriodSeconds = 5), invalid: (p) => (p.spec.terminationGracePeriodSeconds = -1), path: 'spec.terminationGracePeriodSeconds', fragment: 'greater than or equal to 0' },
  { name: 'nodeName is a DNS subdomain', valid: (p) => (p.spec.nodeName = 'node-1.example'), invalid: (p) => (p.spec.nodeName = 'Node_1'), path: 'spec.nodeName', fragment: 'RFC 1123 subdomain' },
  { name: 'priorityClassName is a DNS subdomain', valid: (p) => (p.spec.priorityClassName = 'high'), invalid: (p) => (p.spec.priorityClassName = 'High'), path: 'spec.priorityClassName', fragment: 'RFC 1123 subdomain' },
  { name: 'nodeSelector keys and values', valid: (p) => (p.spec.nodeSelector = { 'kubernetes.io/os': 'linux' }), invalid: (p) => (p.spec.nodeSelector = { 'kubernetes.io/os': 'linux os' }), path: 'spec.nodeSelector[kubernetes.io/os]', fragment: 'valid label' },
  { name: 'toleration with empty key needs Exists', valid: (p) => p.spec.tolerations.push({ operator: 'Exists' }), invalid: (p) => p.spec.tolerations.push({ operator: 'Equal', value: 'x' }), path: 'spec.tolerations[1].operator', fragment: 'must be Exists when `key` is empty' },
  { name: 'toleration Exists has no value', valid: (p) => p.spec.tolerations.push({ key: 'dedicated', operator: 'Exists' }), invalid: (p) => p.spec.tolerations.push({ key: 'dedicated', operator: 'Exists', value: 'x' }), path: 'spec.tolerations[1].value', fragment: 'must be empty' },
  { name: 'tolerationSeconds only with NoExecute', valid: (p) => p.spec.tolerations.push({ key: 'k', value: 'v', effect: 'NoExecute', tolerationSeconds: 30 }), invalid: (p) => p.spec.tolerations.push({ key: 'k', value: 'v', effect: 'NoSchedule', tolerationSeconds: 30 }), path: 'spec.tolerations[1].effect', fragment: "must be 'NoExecute'" },
  { name: 'runAsUser in range', valid: (p) => (p.spec.securityContext = { runAsUser: 0, fsGroup: 2000 }), invalid: (p) => (p.spec.securityContext = { runAsUser: -1 }), path: 'spec.securityContext.runAsUser', fragment: 'between 0 and 2147483647' },
  { name: 'no privilege escalation vs privileged', valid: (p) => (p.spec.containers[0].securityContext.privileged = false), invalid: (p) => (p.spec.containers[0].securityContext.privileged = true), path: 'spec.containers[0].securityContext', fragment: '`privileged` to true' },
]);
