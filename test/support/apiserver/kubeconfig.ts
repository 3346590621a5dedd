// kubeconfig files for clients of the emulator (kubectl --kubeconfig, client-node loadFromFile).
// JSON is valid YAML, so the file is written as JSON.
import { writeFile } from 'node:fs/promises';

export type Credentials = { token: string } | { certFile: string; keyFile: string };

export async function writeKubeconfig(path: string, server: string, caFile: string, user: string, cred: Credentials): Promise<string> {
  const userEntry = 'token' in cred ? { token: cred.token } : { 'client-certificate': cred.certFile, 'client-key': cred.keyFile };
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'emulator', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: user, user: userEntry }],
    contexts: [{ name: 'emulator', context: { cluster: 'emulator', user } }],
    'current-context': 'emulator',
    preferences: {},
  };
  await writeFile(path, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  return path;
}
