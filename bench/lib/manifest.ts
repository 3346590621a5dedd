/** A one-container benchmark pod, quick to stop; `container` holds the lines after `image:`. */
export function benchPodYaml(name: string, namespace: string, container: { name: string; image: string; lines: string[] }): string {
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    'spec:',
    '  terminationGracePeriodSeconds: 1',
    '  containers:',
    `    - name: ${container.name}`,
    `      image: ${container.image}`,
    ...container.lines.map((l) => `      ${l}`),
    '',
  ].join('\n');
}
