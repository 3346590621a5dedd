/** Container port rules (validateContainerPorts, validateHostNetwork, checkHostPortConflicts). */
import { isIP } from 'node:net';
import { ianaSvcName, portNumber } from '../names.js';
import { field, index } from '../path.js';
import { addAll, isObject, list, type RuleContext, quote } from './context.js';

export function checkPorts(ctx: RuleContext): void {
  const hostNetwork = ctx.spec.hostNetwork === true;
  const hostPorts = new Set<string>();
  for (const ref of ctx.containers) {
    const names = new Set<string>();
    list(ref.c.ports).forEach((p, i) => {
      if (!isObject(p)) return;
      const path = index(field(ref.path, 'ports'), i);
      if (typeof p.containerPort === 'number') addAll(ctx, field(path, 'containerPort'), portNumber(p.containerPort));
      const hp = p.hostPort;
      if (typeof hp === 'number' && hp !== 0) {
        addAll(ctx, field(path, 'hostPort'), hp < 0 || hp > 65535 ? ['must be between 0 and 65535, inclusive (0 means no host port)'] : []);
        // The host network has one port space: the container port is the host port.
        if (hostNetwork && typeof p.containerPort === 'number' && hp !== p.containerPort) {
          ctx.add(field(path, 'hostPort'), `must match containerPort (${p.containerPort}) when hostNetwork is true`);
        }
        if (ref.kind === 'container') {
          const k = `${p.hostIP ?? ''}/${p.protocol ?? 'TCP'}/${hp}`;
          if (hostPorts.has(k)) ctx.add(field(path, 'hostPort'), `duplicate value ${quote(`${hp}/${p.protocol ?? 'TCP'}`)}: another container already uses this host port`);
          hostPorts.add(k);
        }
      }
      if (typeof p.name === 'string' && p.name !== '') {
        addAll(ctx, field(path, 'name'), ianaSvcName(p.name));
        if (names.has(p.name)) ctx.add(field(path, 'name'), `duplicate value ${quote(p.name)}: port names must be unique within a container`);
        names.add(p.name);
      }
      if (typeof p.hostIP === 'string' && p.hostIP !== '' && isIP(p.hostIP) === 0) {
        ctx.add(field(path, 'hostIP'), 'must be a valid IP address');
      }
    });
  }
}
