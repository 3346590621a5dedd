/** Termination messages as the kubelet publishes them. */
import type { ContainerStatus, PodSpec } from '../api/generated/core-v1.js';

/** The kubelet caps all termination messages of a pod together at 12 KiB. */
const MAX_TERMINATION_MESSAGE_BYTES = 12 * 1024;

/** Cuts text to at most `max` UTF-8 bytes without splitting a character. */
function truncateUtf8(text: string, max: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return text;
  let end = max;
  // Back off continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * Shares the pod's termination-message budget evenly between its init and app containers, as
 * the kubelet does before publishing, so one chatty container cannot bloat the pod object.
 */
export function capTerminationMessages(spec: PodSpec, statuses: readonly ContainerStatus[]): void {
  const count = spec.containers.length + (spec.initContainers ?? []).length;
  const budget = count > 0 ? Math.floor(MAX_TERMINATION_MESSAGE_BYTES / count) : MAX_TERMINATION_MESSAGE_BYTES;
  for (const s of statuses) {
    for (const state of [s.state, s.lastState]) {
      const t = state?.terminated;
      if (t?.message !== undefined) t.message = truncateUtf8(t.message, budget);
    }
  }
}
