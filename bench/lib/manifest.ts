/** A one-container benchmark pod, quick to stop; `container` holds the lines after `image:`. */
export function benchPodYaml(name: string, namespace: string, container: { name: string; image: string; lines: string[] }, spec: string[] = []): string {
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    'spec:',
    ...spec.map((l) => `  ${l}`),
    '  terminationGracePeriodSeconds: 1',
    '  containers:',
    `    - name: ${container.name}`,
    `      image: ${container.image}`,
    ...container.lines.map((l) => `      ${l}`),
    '',
  ].join('\n');
}

/**
 * An idle host-network pod (sleeps, 1m CPU / 4Mi requested): the control-plane benches' load.
 * Host network because the node status does not depend on pod networking, and 110 pods start sooner.
 */
export function idlePodYaml(name: string, namespace: string, image: string): string {
  return benchPodYaml(name, namespace, { name: 'app', image, lines: ['command: [sleep, "36000"]', 'resources: {requests: {cpu: 1m, memory: 4Mi}}'] }, ['hostNetwork: true']);
}
