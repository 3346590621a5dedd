import { runCases } from './helpers.js';

const port0 = 'spec.containers[0].ports[0]';
runCases([
  { name: 'containerPort 1-65535 (low)', valid: (p) => (p.spec.containers[0].ports[0].containerPort = 1), invalid: (p) => (p.spec.containers[0].ports[0].containerPort = 0), path: `${port0}.containerPort`, fragment: 'between 1 and 65535' },
  { name: 'containerPort 1-65535 (high)', valid: (p) => (p.spec.containers[0].ports[0].containerPort = 65535), invalid: (p) => (p.spec.containers[0].ports[0].containerPort = 65536), path: `${port0}.containerPort`, fragment: 'between 1 and 65535' },
  { name: 'hostPort 0-65535 (negative)', valid: (p) => (p.spec.containers[0].ports[0].hostPort = 0), invalid: (p) => (p.spec.containers[0].ports[0].hostPort = -1), path: `${port0}.hostPort`, fragment: 'between 0 and 65535' },
  { name: 'hostPort 0-65535 (high)', valid: (p) => (p.spec.containers[0].ports[0].hostPort = 65535), invalid: (p) => (p.spec.containers[0].ports[0].hostPort = 65536), path: `${port0}.hostPort`, fragment: 'between 0 and 65535' },
  { name: 'port name is an IANA_SVC_NAME (charset)', valid: (p) => (p.spec.containers[0].ports[0].name = 'http-alt'), invalid: (p) => (p.spec.containers[0].ports[0].name = 'HTTP'), path: `${port0}.name`, fragment: 'alpha-numeric' },
  { name: 'port name is an IANA_SVC_NAME (letter)', valid: (p) => (p.spec.containers[0].ports[0].name = 'h8080'), invalid: (p) => (p.spec.containers[0].ports[0].name = '8080'), path: `${port0}.name`, fragment: 'at least one letter' },
  { name: 'port name is an IANA_SVC_NAME (length)', valid: (p) => (p.spec.containers[0].ports[0].name = 'a'.repeat(15)), invalid: (p) => (p.spec.containers[0].ports[0].name = 'a'.repeat(16)), path: `${port0}.name`, fragment: 'no more than 15' },
  { name: 'port name is an IANA_SVC_NAME (hyphens)', valid: (p) => (p.spec.containers[0].ports[0].name = 'a-b'), invalid: (p) => (p.spec.containers[0].ports[0].name = 'a--b'), path: `${port0}.name`, fragment: 'consecutive hyphens' },
  { name: 'port names unique within a container', valid: (p) => (p.spec.containers[1].ports = [{ name: 'http', containerPort: 80 }]), invalid: (p) => (p.spec.containers[0].ports[1].name = 'http'), path: 'spec.containers[0].ports[1].name', fragment: 'duplicate value "http"' },
  {
    name: 'hostNetwork: hostPort equals containerPort when set',
    valid: (p) => {
      p.spec.hostNetwork = true;
      p.spec.containers[0].ports[0].hostPort = 8080;
    },
    invalid: (p) => {
      p.spec.hostNetwork = true;
      p.spec.containers[0].ports[0].hostPort = 80;
    },
    path: `${port0}.hostPort`,
    fragment: 'must match containerPort (8080) when hostNetwork is true',
  },
  {
    name: 'host ports unique per protocol',
    valid: (p) => {
      p.spec.containers[0].ports[0].hostPort = 8080;
      p.spec.containers[1].ports = [{ containerPort: 53, hostPort: 8080, protocol: 'UDP' }];
    },
    invalid: (p) => {
      p.spec.containers[0].ports[0].hostPort = 8080;
      p.spec.containers[1].ports = [{ containerPort: 53, hostPort: 8080 }];
    },
    path: 'spec.containers[1].ports[0].hostPort',
    fragment: 'duplicate value "8080/TCP"',
  },
  { name: 'hostIP is an IP address', valid: (p) => (p.spec.containers[0].ports[0].hostIP = '::1'), invalid: (p) => (p.spec.containers[0].ports[0].hostIP = '1.2.3'), path: `${port0}.hostIP`, fragment: 'valid IP' },
]);
