import type { Quantity as QuantityText } from '../api/generated/core-v1.js';
import { formatAmounts, readCapacity } from '../admission/index.js';
import type { NodeContext } from '../node/context.js';

/** Node allocatable as a ResourceList (cpu, memory, ephemeral-storage). */
export type Allocatable = Record<string, QuantityText>;

/**
 * What the node offers to pods, where the downward API and memory-backed emptyDirs fall back
 * to node allocatable: the supervisor's figure, or the machine's capacity where there is none
 * (a pod worker built without a supervisor, as in tests).
 */
export async function nodeAllocatable(node: Pick<NodeContext, 'rootDir' | 'allocatable'>): Promise<Allocatable> {
  if (node.allocatable) return node.allocatable;
  return formatAmounts(await readCapacity(0, node.rootDir));
}
