/** Pod-level spec rules not covered by a more specific file (ValidatePodSpec). */
import type { PodSecurityContext, SecurityContext } from '../../api/generated/core-v1.js';
import { dns1123Subdomain, labelValue, qualifiedName } from '../names.js';
import { field, index, key } from '../path.js';
import { addAll, entries, isObject, list, type RuleContext } from './context.js';

const INT32_MAX = 2147483647;

function checkIds(ctx: RuleContext, path: string, sc: PodSecurityContext | SecurityContext): void {
  for (const f of ['runAsUser', 'runAsGroup'] as const) {
    const v = sc[f];
    if (typeof v === 'number' && (v < 0 || v > INT32_MAX)) ctx.add(field(path, f), `must be between 0 and ${INT32_MAX}, inclusive`);
  }
}

function checkSecurityContexts(ctx: RuleContext): void {
  const psc = ctx.spec.securityContext;
  if (isObject(psc)) {
    checkIds(ctx, 'spec.securityContext', psc);
    if (typeof psc.fsGroup === 'number' && (psc.fsGroup < 0 || psc.fsGroup > INT32_MAX)) {
      ctx.add('spec.securityContext.fsGroup', `must be between 0 and ${INT32_MAX}, inclusive`);
    }
    list(psc.supplementalGroups).forEach((g, i) => {
      if (typeof g === 'number' && (g < 0 || g > INT32_MAX)) ctx.add(index('spec.securityContext.supplementalGroups', i), `must be between 0 and ${INT32_MAX}, inclusive`);
    });
  }
  for (const ref of ctx.containers) {
    const sc = ref.c.securityContext;
    if (!isObject(sc)) continue;
    const path = field(ref.path, 'securityContext');
    checkIds(ctx, path, sc);
    // "No new privileges" cannot hold for a container that is privileged or may mount filesystems.
    if (sc.allowPrivilegeEscalation === false) {
      if (sc.privileged === true) ctx.add(path, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true');
      if (isObject(sc.capabilities) && list(sc.capabilities.add).includes('CAP_SYS_ADMIN')) {
        ctx.add(path, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN');
      }
    }
  }
}

function checkTolerations(ctx: RuleContext): void {
  list(ctx.spec.tolerations).forEach((t, i) => {
    if (!isObject(t)) return;
    const path = index('spec.tolerations', i);
    const k = typeof t.key === 'string' ? t.key : '';
    if (k !== '') addAll(ctx, field(path, 'key'), qualifiedName(k));
    const op = t.operator ?? 'Equal';
    // An empty key matches every taint key, which only makes sense with Exists.
    if (k === '' && op !== 'Exists') ctx.add(field(path, 'operator'), 'must be Exists when `key` is empty, which means "match all values and all keys"');
    const value = typeof t.value === 'string' ? t.value : '';
    if (op === 'Exists' && value !== '') ctx.add(field(path, 'value'), "must be empty when `operator` is 'Exists'");
    if (op === 'Equal' && value !== '') addAll(ctx, field(path, 'value'), labelValue(value));
    if (typeof t.tolerationSeconds === 'number' && t.effect !== 'NoExecute') {
      ctx.add(field(path, 'effect'), "must be 'NoExecute' when `tolerationSeconds` is set");
    }
  });
}

export function checkPodSpec(ctx: RuleContext): void {
  const spec = ctx.spec;
  const ads = spec.activeDeadlineSeconds;
  if (typeof ads === 'number' && (ads < 1 || ads > INT32_MAX)) ctx.add('spec.activeDeadlineSeconds', `must be between 1 and ${INT32_MAX}, inclusive`);
  const tgps = spec.terminationGracePeriodSeconds;
  if (typeof tgps === 'number' && tgps < 0) ctx.add('spec.terminationGracePeriodSeconds', 'must be greater than or equal to 0');
  for (const f of ['nodeName', 'priorityClassName', 'runtimeClassName'] as const) {
    const v = spec[f];
    if (typeof v === 'string' && v !== '') addAll(ctx, field('spec', f), dns1123Subdomain(v));
  }
  for (const [k, v] of entries(spec.nodeSelector)) {
    addAll(ctx, key('spec.nodeSelector', k), qualifiedName(k));
    if (typeof v === 'string') addAll(ctx, key('spec.nodeSelector', k), labelValue(v));
  }
  checkTolerations(ctx);
  checkSecurityContexts(ctx);
}
