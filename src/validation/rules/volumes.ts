/** Volume and mount rules (ValidateVolumes, ValidateVolumeMounts, validateVolumeDevices). */
import type { DownwardAPIVolumeFile, Volume } from '../../api/generated/core-v1.js';
import { dns1123Label } from '../names.js';
import { field, index } from '../path.js';
import { compareQuantities, parseQuantity } from '../quantity.js';
import { addAll, isObject, list, present, type RuleContext, quote } from './context.js';
import { VOLUME_FIELD_PATHS, checkFieldRef, checkResourceFieldRef } from './env.js';

/** Every volume source field of core/v1 Volume (everything but `name`). */
const VOLUME_SOURCES: readonly (keyof Volume)[] = [
  'awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'configMap', 'csi', 'downwardAPI',
  'emptyDir', 'ephemeral', 'fc', 'flexVolume', 'flocker', 'gcePersistentDisk', 'gitRepo', 'glusterfs',
  'hostPath', 'image', 'iscsi', 'nfs', 'persistentVolumeClaim', 'photonPersistentDisk', 'portworxVolume',
  'projected', 'quobyte', 'rbd', 'scaleIO', 'secret', 'storageos', 'vsphereVolume',
];
const PROJECTION_SOURCES = ['secret', 'downwardAPI', 'configMap', 'serviceAccountToken', 'clusterTrustBundle', 'podCertificate'] as const;
const FILE_MODE_MAX = 0o777;
const RECURSIVE_READ_ONLY = ['Disabled', 'IfPossible', 'Enabled'];
const ZERO = parseQuantity(0)!;

function hasBackstep(p: string): boolean {
  return p.split(/[\\/]/).includes('..');
}

/** A path inside a volume or mount: relative and never climbing out. */
export function checkLocalDescendingPath(ctx: RuleContext, path: string, p: string): void {
  if (p.startsWith('/') || p.startsWith('\\')) ctx.add(path, 'must be a relative path');
  if (hasBackstep(p)) ctx.add(path, "must not contain '..'");
}

function checkMode(ctx: RuleContext, path: string, mode: number | undefined): void {
  if (typeof mode === 'number' && (mode < 0 || mode > FILE_MODE_MAX)) ctx.add(path, 'must be a number between 0 and 0777 (octal), both inclusive');
}

function checkDownwardApiItems(ctx: RuleContext, path: string, items: readonly DownwardAPIVolumeFile[] | undefined): void {
  list(items).forEach((it, i) => {
    if (!isObject(it)) return;
    const p = index(path, i);
    if (typeof it.path === 'string') {
      if (it.path === '') ctx.add(field(p, 'path'), 'required value');
      else {
        checkLocalDescendingPath(ctx, field(p, 'path'), it.path);
        if (it.path.startsWith('..')) ctx.add(field(p, 'path'), "must not start with '..'");
      }
    }
    const set = present(it, ['fieldRef', 'resourceFieldRef']);
    if (set.length === 0) ctx.add(p, 'must specify one of: `fieldRef` or `resourceFieldRef`');
    else if (set.length > 1) ctx.add(p, 'fieldRef and resourceFieldRef can not be specified simultaneously');
    if (isObject(it.fieldRef)) checkFieldRef(ctx, field(p, 'fieldRef'), it.fieldRef, VOLUME_FIELD_PATHS);
    if (isObject(it.resourceFieldRef)) checkResourceFieldRef(ctx, field(p, 'resourceFieldRef'), it.resourceFieldRef, true);
    checkMode(ctx, field(p, 'mode'), it.mode);
  });
}

function checkSource(ctx: RuleContext, path: string, v: Volume): void {
  if (isObject(v.hostPath) && typeof v.hostPath.path === 'string') {
    const p = field(field(path, 'hostPath'), 'path');
    if (v.hostPath.path === '') ctx.add(p, 'required value');
    else if (hasBackstep(v.hostPath.path)) ctx.add(p, "must not contain '..'");
  }
  if (isObject(v.emptyDir) && v.emptyDir.sizeLimit !== undefined) {
    const q = parseQuantity(v.emptyDir.sizeLimit);
    if (q !== undefined && compareQuantities(q, ZERO) < 0) ctx.add(field(field(path, 'emptyDir'), 'sizeLimit'), 'must be greater than or equal to 0');
  }
  if (isObject(v.downwardAPI)) {
    checkMode(ctx, field(field(path, 'downwardAPI'), 'defaultMode'), v.downwardAPI.defaultMode);
    checkDownwardApiItems(ctx, field(field(path, 'downwardAPI'), 'items'), v.downwardAPI.items);
  }
  if (isObject(v.image) && (typeof v.image.reference !== 'string' || v.image.reference === '')) {
    ctx.add(field(field(path, 'image'), 'reference'), 'required value: the image to mount');
  }
  if (isObject(v.projected)) {
    const pp = field(path, 'projected');
    checkMode(ctx, field(pp, 'defaultMode'), v.projected.defaultMode);
    list(v.projected.sources).forEach((s, i) => {
      if (!isObject(s)) return;
      const sp = index(field(pp, 'sources'), i);
      const set = present(s, PROJECTION_SOURCES);
      if (set.length === 0) ctx.add(sp, `must specify one of: ${PROJECTION_SOURCES.map((x) => `\`${x}\``).join(', ')}`);
      for (const extra of set.slice(1)) ctx.add(field(sp, extra), 'may not specify more than 1 volume type per source');
      if (isObject(s.downwardAPI)) checkDownwardApiItems(ctx, field(field(sp, 'downwardAPI'), 'items'), s.downwardAPI.items);
    });
  }
}

function checkVolumes(ctx: RuleContext): void {
  const names = new Set<string>();
  for (const { v, path } of ctx.volumes) {
    const np = field(path, 'name');
    if (typeof v.name !== 'string' || v.name === '') ctx.add(np, 'required value');
    else {
      addAll(ctx, np, dns1123Label(v.name));
      if (names.has(v.name)) ctx.add(np, `duplicate value ${quote(v.name)}: volume names must be unique`);
      names.add(v.name);
    }
    const set = present(v, VOLUME_SOURCES as readonly string[]);
    if (set.length === 0) ctx.add(path, 'must specify a volume type (e.g. `hostPath`, `emptyDir`)');
    for (const extra of set.slice(1)) ctx.add(field(path, extra), `may not specify more than 1 volume type (already has \`${set[0]}\`)`);
    checkSource(ctx, path, v);
  }
}

function checkMounts(ctx: RuleContext): void {
  const byName = new Map<string, Volume>();
  for (const { v } of ctx.volumes) if (typeof v.name === 'string' && !byName.has(v.name)) byName.set(v.name, v);
  for (const ref of ctx.containers) {
    const mountPaths = new Set<string>();
    const privileged = isObject(ref.c.securityContext) && ref.c.securityContext.privileged === true;
    list(ref.c.volumeMounts).forEach((m, i) => {
      if (!isObject(m)) return;
      const path = index(field(ref.path, 'volumeMounts'), i);
      if (typeof m.name === 'string') {
        if (m.name === '') ctx.add(field(path, 'name'), 'required value');
        else if (!byName.has(m.name)) ctx.add(field(path, 'name'), `volume ${quote(m.name)} not found: mounts must refer to a volume in spec.volumes`);
      }
      if (typeof m.mountPath === 'string') {
        if (m.mountPath === '') ctx.add(field(path, 'mountPath'), 'required value');
        else if (mountPaths.has(m.mountPath)) ctx.add(field(path, 'mountPath'), `must be unique: ${quote(m.mountPath)} is already mounted in this container`);
        mountPaths.add(m.mountPath);
      }
      const hasSubPath = typeof m.subPath === 'string' && m.subPath !== '';
      const hasSubPathExpr = typeof m.subPathExpr === 'string' && m.subPathExpr !== '';
      if (hasSubPath) checkLocalDescendingPath(ctx, field(path, 'subPath'), m.subPath!);
      if (hasSubPathExpr) {
        if (hasSubPath) ctx.add(field(path, 'subPathExpr'), 'subPathExpr and subPath are mutually exclusive');
        checkLocalDescendingPath(ctx, field(path, 'subPathExpr'), m.subPathExpr!);
      }
      if (m.mountPropagation === 'Bidirectional' && !privileged) {
        ctx.add(field(path, 'mountPropagation'), 'Bidirectional mount propagation is available only to privileged containers');
      }
      const rro = m.recursiveReadOnly;
      if (typeof rro === 'string' && rro !== '') {
        const rp = field(path, 'recursiveReadOnly');
        if (!RECURSIVE_READ_ONLY.includes(rro)) ctx.add(rp, `unsupported value ${quote(rro)}: supported values: ${RECURSIVE_READ_ONLY.map((x) => `"${x}"`).join(', ')}`);
        else if (rro !== 'Disabled') {
          if (m.readOnly !== true) ctx.add(rp, 'may only be specified when readOnly is true');
          if (m.mountPropagation !== undefined && m.mountPropagation !== 'None') ctx.add(rp, 'may only be specified when mountPropagation is None or not specified');
        }
      }
    });
    list(ref.c.volumeDevices).forEach((d, i) => {
      if (!isObject(d) || typeof d.name !== 'string') return;
      const np = field(index(field(ref.path, 'volumeDevices'), i), 'name');
      const vol = byName.get(d.name);
      if (vol === undefined) ctx.add(np, `volume ${quote(d.name)} not found in spec.volumes`);
      else if (!isObject(vol.persistentVolumeClaim) && !isObject(vol.ephemeral)) {
        ctx.add(np, 'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode');
      }
    });
  }
}

export function checkVolumesAndMounts(ctx: RuleContext): void {
  checkVolumes(ctx);
  checkMounts(ctx);
}
