import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validatePod } from '../../../src/validation/index.js';
import type { FieldError } from '../../../src/validation/types.js';

/** Loose JSON shape so tests can break a pod in ways the generated types forbid. */
export type Doc = Record<string, any>;

/** A realistic, valid static pod touching most of the validated surface. */
export function basePod(): Doc {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web',
      namespace: 'kube-system',
      labels: { app: 'web', 'app.kubernetes.io/name': 'web' },
      annotations: { 'example.com/owner': 'platform' },
    },
    spec: {
      priorityClassName: 'system-node-critical',
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      tolerations: [{ operator: 'Exists', effect: 'NoExecute' }],
      initContainers: [
        { name: 'setup', image: 'busybox:1.36', command: ['sh', '-c', 'true'], volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        {
          name: 'log-shipper',
          image: 'busybox:1.36',
          restartPolicy: 'Always',
          readinessProbe: { exec: { command: ['true'] } },
          livenessProbe: { exec: { command: ['true'] } },
        },
      ],
      containers: [
        {
          name: 'web',
          image: 'nginx:1.27',
          imagePullPolicy: 'IfNotPresent',
          ports: [
            { name: 'http', containerPort: 8080, protocol: 'TCP' },
            { name: 'metrics', containerPort: 9090 },
          ],
          env: [
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'MODE', value: 'production' },
          ],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: 0.5, memory: '128Mi' } },
          livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, successThreshold: 1 },
          readinessProbe: { tcpSocket: { port: 8080 } },
          startupProbe: { grpc: { port: 9090 }, failureThreshold: 30 },
          lifecycle: { preStop: { sleep: { seconds: 5 } } },
          volumeMounts: [
            { name: 'data', mountPath: '/data' },
            { name: 'conf', mountPath: '/etc/nginx/conf.d', readOnly: true, subPath: 'conf.d' },
          ],
          securityContext: { runAsUser: 1000, allowPrivilegeEscalation: false },
        },
        { name: 'sidecar', image: 'busybox:1.36', command: ['sleep', 'infinity'] },
      ],
      volumes: [
        { name: 'data', emptyDir: { sizeLimit: '1Gi' } },
        { name: 'conf', hostPath: { path: '/etc/web', type: 'Directory' } },
      ],
    },
  };
}

/** Applies a mutation to a fresh base pod and returns it. */
export function podWith(mutate: (p: Doc) => void): Doc {
  const p = basePod();
  mutate(p);
  return p;
}

export function assertHasError(errs: readonly FieldError[], path: string, fragment: string): void {
  const hit = errs.find((e) => e.path === path && e.message.includes(fragment));
  assert.ok(hit, `expected an error at ${path} containing ${JSON.stringify(fragment)}, got:\n${JSON.stringify(errs, null, 2)}`);
}

export function assertNoErrors(errs: readonly FieldError[]): void {
  assert.deepEqual(errs, [], `expected no errors, got:\n${JSON.stringify(errs, null, 2)}`);
}

export interface RuleCase {
  name: string;
  /** Mutation that keeps the pod valid (exercising the rule's accepted side). */
  valid: (p: Doc) => void;
  /** Mutation that breaks exactly this rule. */
  invalid: (p: Doc) => void;
  path: string;
  fragment: string;
}

/** One valid and one invalid test per rule, through the public validatePod. */
export function runCases(cases: readonly RuleCase[]): void {
  for (const c of cases) {
    test(`${c.name}: accepted`, () => assertNoErrors(validatePod(podWith(c.valid))));
    test(`${c.name}: refused at ${c.path}`, () => assertHasError(validatePod(podWith(c.invalid)), c.path, c.fragment));
  }
}
