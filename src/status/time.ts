import type { Time } from '../api/generated/core-v1.js';

/**
 * Kubernetes serialises times as RFC 3339 with whole seconds, and the kubelet truncates (not
 * rounds) before comparing with what the API server holds, so status never churns on sub-second
 * differences. 0 is the runtime's "not set" and has no API representation.
 */
export function formatTime(ms: number): Time | undefined {
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  const seconds = Math.floor(ms / 1000);
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
