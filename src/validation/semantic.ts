/**
 * Semantic rules: what the API server checks for a pod create beyond the schema, plus the
 * static-pod restrictions. Rules are grouped by topic under rules/; this file only runs them.
 */
import type { Pod } from '../api/generated/core-v1.js';
import type { FieldError } from './types.js';
import { buildContext, type RuleContext, type ValidationOptions } from './rules/context.js';
import { checkMetadata } from './rules/metadata.js';
import { checkContainers } from './rules/containers.js';
import { checkPorts } from './rules/ports.js';
import { checkProbes } from './rules/probes.js';
import { checkVolumesAndMounts } from './rules/volumes.js';
import { checkResources } from './rules/resources.js';
import { checkEnv } from './rules/env.js';
import { checkDns } from './rules/dns.js';
import { checkPodSpec } from './rules/pod.js';
import { checkStaticPod } from './rules/static-pod.js';
import { checkVolumeSupport } from './rules/volume-support.js';
import { checkSecurity } from './rules/security.js';

const RULES: ReadonlyArray<(ctx: RuleContext) => void> = [
  checkMetadata,
  checkPodSpec,
  checkDns,
  checkContainers,
  checkPorts,
  checkProbes,
  checkEnv,
  checkResources,
  checkVolumesAndMounts,
  checkStaticPod,
  checkVolumeSupport,
  checkSecurity,
];

/** Unsorted semantic errors; callers sort. Never throws, whatever the input. */
export function runRules(pod: Pod, options: ValidationOptions = {}): FieldError[] {
  if (pod === null || typeof pod !== 'object' || Array.isArray(pod)) return [{ path: '', message: 'must be an object' }];
  const ctx = buildContext(pod, options);
  for (const rule of RULES) {
    try {
      rule(ctx);
    } catch (err) {
      // Only reachable on input the schema would have refused; report rather than crash.
      ctx.add('', `could not be validated (${rule.name}): ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return ctx.errors;
}
