/** Compute resource rules (ValidateContainerResourceRequirements and the pod-level variant). */
import type { Quantity as QuantityJson, ResourceRequirements } from '../../api/generated/core-v1.js';
import { qualifiedName } from '../names.js';
import { field, key } from '../path.js';
import { compareQuantities, isInteger, parseQuantity, type Quantity } from '../quantity.js';
import { addAll, entries, isObject, type RuleContext, quote } from './context.js';

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const POD_LEVEL_RESOURCES = new Set(['cpu', 'memory']);
const HUGEPAGES_PREFIX = 'hugepages-';
const ZERO = parseQuantity(0)!;

function isHugePages(name: string): boolean {
  return name.startsWith(HUGEPAGES_PREFIX);
}

/** Native names have no domain or live under kubernetes.io; everything else is an extended resource. */
function isNative(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** cpu/memory/hugepages may request less than the limit; extended resources and hugepages may not differ. */
function overcommitAllowed(name: string): boolean {
  return isNative(name) && !isHugePages(name);
}

function checkName(ctx: RuleContext, path: string, name: string, podLevel: boolean): boolean {
  const errs = qualifiedName(name);
  if (podLevel) {
    if (!POD_LEVEL_RESOURCES.has(name) && !isHugePages(name)) errs.push('unsupported pod-level resource: supported values: "cpu", "memory", "hugepages-<size>"');
  } else if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name)) {
      errs.push('must be a standard resource for containers ("cpu", "memory", "ephemeral-storage", "hugepages-<size>") or an extended resource such as "example.com/gpu"');
    }
  } else if (!isNative(name) && name.startsWith('requests.')) {
    errs.push("doesn't follow extended resource name standard");
  }
  if (isHugePages(name) && parseQuantity(name.slice(HUGEPAGES_PREFIX.length)) === undefined) {
    errs.push(`invalid hugepages size ${quote(name.slice(HUGEPAGES_PREFIX.length))}: must be a quantity such as 2Mi`);
  }
  addAll(ctx, path, errs);
  return errs.length === 0;
}

function checkValue(ctx: RuleContext, path: string, name: string, raw: QuantityJson): Quantity | undefined {
  const q = parseQuantity(raw);
  if (q === undefined) return undefined; // the schema's quantity format reports it
  if (compareQuantities(q, ZERO) < 0) ctx.add(path, 'must be greater than or equal to 0');
  else if (!isNative(name) && !isInteger(q)) ctx.add(path, 'must be an integer: extended resources are counted in whole units');
  return q;
}

function render(raw: QuantityJson): string {
  return typeof raw === 'number' ? String(raw) : raw;
}

export function checkResourceRequirements(ctx: RuleContext, path: string, r: ResourceRequirements, podLevel: boolean): void {
  const limPath = field(path, 'limits');
  const reqPath = field(path, 'requests');
  const limits = new Map<string, { q: Quantity; raw: QuantityJson }>();
  let cpuOrMemory = false;
  let hugePages = false;
  for (const [name, raw] of entries(r.limits)) {
    const p = key(limPath, name);
    if (!checkName(ctx, p, name, podLevel)) continue;
    const q = checkValue(ctx, p, name, raw);
    if (q !== undefined) limits.set(name, { q, raw });
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
    if (isHugePages(name)) hugePages = true;
  }
  let missingLimit = false;
  for (const [name, raw] of entries(r.requests)) {
    const p = key(reqPath, name);
    if (!checkName(ctx, p, name, podLevel)) continue;
    const q = checkValue(ctx, p, name, raw);
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
    if (isHugePages(name)) hugePages = true;
    const lim = limits.get(name);
    if (q === undefined) continue;
    if (lim !== undefined) {
      const c = compareQuantities(q, lim.q);
      if (c !== 0 && !overcommitAllowed(name)) ctx.add(p, `must be equal to ${name} limit of ${render(lim.raw)}`);
      else if (c > 0) ctx.add(p, `must be less than or equal to ${name} limit of ${render(lim.raw)}`);
    } else if (!overcommitAllowed(name) && !podLevel && !Object.prototype.hasOwnProperty.call(r.limits ?? {}, name)) {
      missingLimit = true;
    }
  }
  if (missingLimit) ctx.add(limPath, 'Limit must be set for non overcommitable resources (extended resources and hugepages)');
  if (hugePages && !cpuOrMemory && !podLevel) ctx.add(path, 'HugePages require cpu or memory');
}

export function checkResources(ctx: RuleContext): void {
  for (const ref of ctx.containers) {
    if (isObject(ref.c.resources)) checkResourceRequirements(ctx, field(ref.path, 'resources'), ref.c.resources, false);
  }
  if (isObject(ctx.spec.resources)) {
    checkResourceRequirements(ctx, 'spec.resources', ctx.spec.resources, true);
    // The kubelet enforces pod-level limits on the pod's cgroup; staticlet leaves cgroups to the
    // runtime per container, so such a limit would be silently ignored. Requests still count
    // (admission, QoS, resourceFieldRef).
    if (Object.keys(ctx.spec.resources.limits ?? {}).length > 0) {
      ctx.add('spec.resources.limits', 'pod-level limits are not supported by staticlet (it does not manage pod cgroups): set limits on the containers');
    }
  }
}
