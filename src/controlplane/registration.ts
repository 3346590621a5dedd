/**
 * Node registration as registerWithAPIServer: POST the Node; on AlreadyExists (or Forbidden)
 * adopt the existing one and reconcile its default labels and the attach-detach annotation;
 * any other failure is retried forever with a doubling sleep. Nothing waits for this but the
 * node status loop.
 */
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type V1Node } from '@kubernetes/client-node';
import { sleep } from '../pods/hooks.js';
import { Backoff, OnceLogger, registrationBackoff } from './backoff.js';
import { errorText, statusCode } from './client.js';
import { NODE_STATUS_STRATEGIES, twoWayMergePatch } from './patch.js';
import { reconcileExisting, toJson, type NodeJson } from './node-object.js';

export const SMP = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

export interface RegistrationOptions {
  core: CoreV1Api;
  /** The Node as it would be created now. */
  build: () => Promise<NodeJson>;
  log: OnceLogger;
  signal: AbortSignal;
  backoff?: Backoff;
  onAttempt?: (error: string | undefined) => void;
}

/** The registered Node, or undefined when stopped first. */
export async function registerNode(o: RegistrationOptions): Promise<NodeJson | undefined> {
  const backoff = o.backoff ?? registrationBackoff();
  while (!o.signal.aborted) {
    await sleep(backoff.next(), o.signal);
    if (o.signal.aborted) return undefined;
    try {
      const node = await tryRegister(o.core, await o.build());
      o.log.ok('node registered', { node: node.metadata.name });
      o.onAttempt?.(undefined);
      return node;
    } catch (err) {
      const text = errorText(err);
      o.log.failed('unable to register node with API server; retrying', text);
      o.onAttempt?.(text);
    }
  }
  return undefined;
}

async function tryRegister(core: CoreV1Api, wanted: NodeJson): Promise<NodeJson> {
  let refusal: unknown;
  try {
    // Times travel as strings: the client's serializer passes a non-Date through untouched.
    return toJson(await core.createNode({ body: wanted as unknown as V1Node }));
  } catch (err) {
    const code = statusCode(err);
    if (code !== 409 && code !== 403) throw err;
    if (code === 403) refusal = err;
  }
  let existing: NodeJson;
  try {
    existing = toJson(await core.readNode({ name: wanted.metadata.name }));
  } catch (err) {
    // Forbidden to create and not there to adopt: the refusal is the reason worth showing.
    if (refusal && statusCode(err) === 404) throw refusal;
    throw err;
  }
  const reconciled = reconcileExisting(existing, wanted);
  if (!reconciled) return existing;
  const patch = twoWayMergePatch(existing, reconciled, NODE_STATUS_STRATEGIES);
  return toJson(await core.patchNodeStatus({ name: wanted.metadata.name, body: patch ?? {} }, SMP));
}
