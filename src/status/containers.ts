/**
 * API container statuses from runtime instances, the worker's waiting verdicts, probe verdicts
 * and the previous status, following the kubelet's conversion step by step.
 */
import type {
  Container,
  ContainerState,
  ContainerStateTerminated,
  ContainerStatus,
  Pod,
  PodSpec,
  VolumeMountStatus,
} from '../api/generated/core-v1.js';
import type { ContainerStatus as RuntimeContainer } from '../runtime/index.js';
import { restartCountOf } from './instances.js';
import { defaultedResources, isSidecar, shouldContainerBeRestarted } from './spec.js';
import { formatTime } from './time.js';
import type { ProbeVerdicts, WaitingNote } from './types.js';

export const CONTAINER_CREATING = 'ContainerCreating';
export const POD_INITIALIZING = 'PodInitializing';
export const CONTAINER_STATUS_UNKNOWN = 'ContainerStatusUnknown';

export interface ContainerStatusInput {
  pod: Pod;
  /** Runtime instances by container name, newest first. */
  instances: ReadonlyMap<string, readonly RuntimeContainer[]>;
  waiting: Readonly<Record<string, WaitingNote>>;
  probes: ProbeVerdicts;
  /** Statuses of the same list (init or app) from the previous status. */
  previous: readonly ContainerStatus[] | undefined;
  /** Prefix of container IDs, e.g. "containerd". */
  runtimeName: string;
}

function specOf(pod: Pod): PodSpec {
  return pod.spec ?? { containers: [] };
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function exitedState(inst: RuntimeContainer, containerID: string): ContainerStateTerminated {
  const t: ContainerStateTerminated = {
    exitCode: inst.exitCode,
    // Runtimes normally name the cause themselves; these are the names they use when they do.
    reason: inst.reason !== '' ? inst.reason : inst.exitCode === 0 ? 'Completed' : 'Error',
  };
  if (inst.message !== '') t.message = inst.message;
  const startedAt = formatTime(inst.startedAt);
  if (startedAt !== undefined) t.startedAt = startedAt;
  const finishedAt = formatTime(inst.finishedAt);
  if (finishedAt !== undefined) t.finishedAt = finishedAt;
  t.containerID = containerID;
  return t;
}

/** One runtime instance as an API status; probes, verdicts and lastState are applied later. */
function fromInstance(c: Container, inst: RuntimeContainer, prev: ContainerStatus | undefined, runtimeName: string): ContainerStatus {
  const containerID = `${runtimeName}://${inst.id}`;
  let restartCount = restartCountOf(inst);
  let state: ContainerState;
  switch (inst.state) {
    case 'running': {
      const startedAt = formatTime(inst.startedAt);
      state = { running: startedAt !== undefined ? { startedAt } : {} };
      break;
    }
    case 'exited':
      state = { terminated: exitedState(inst, containerID) };
      break;
    case 'unknown':
      if (prev?.state?.running !== undefined) {
        // It was running and is now unaccounted for: report it as ended rather than waiting, so
        // a run-once pod is not shown as never having run.
        state = {
          terminated: {
            exitCode: 137,
            reason: CONTAINER_STATUS_UNKNOWN,
            message: 'The container could not be located when the pod was terminated',
          },
        };
        restartCount = prev.restartCount + 1;
        break;
      }
      state = { waiting: {} };
      break;
    case 'created':
      state = { waiting: {} };
      break;
  }
  const resources = defaultedResources(c.resources);
  const status: ContainerStatus = {
    name: c.name,
    state,
    lastState: {},
    ready: false,
    restartCount,
    image: c.image ?? '',
    imageID: inst.imageRef,
    containerID,
    resources,
  };
  if (resources.requests !== undefined && Object.keys(resources.requests).length > 0) {
    status.allocatedResources = { ...resources.requests };
  }
  return status;
}

/** The status a container has before anything is known of its runtime instances. */
function baseStatus(c: Container, prev: ContainerStatus | undefined, defaultReason: string): ContainerStatus {
  // A finished container's last report stays true even after its instance is garbage collected.
  if (prev?.state?.terminated !== undefined) return { ...clone(prev), lastState: clone(prev.lastState ?? {}) };
  return {
    name: c.name,
    state: { waiting: { reason: defaultReason } },
    lastState: clone(prev?.lastState ?? {}),
    ready: false,
    restartCount: prev?.restartCount ?? 0,
    image: c.image ?? '',
    imageID: '',
  };
}

function volumeMountStatuses(c: Container): VolumeMountStatus[] | undefined {
  const mounts = c.volumeMounts ?? [];
  if (mounts.length === 0) return undefined;
  return mounts.map((m) => {
    const s: VolumeMountStatus = { name: m.name, mountPath: m.mountPath };
    if (m.readOnly === true) {
      s.readOnly = true;
      // Recursive read-only needs runtime support staticlet does not negotiate.
      s.recursiveReadOnly = 'Disabled';
    }
    return s;
  });
}

/** Field order of the API type, so serialised statuses read like the kubelet's. */
function ordered(s: ContainerStatus): ContainerStatus {
  const out: ContainerStatus = {
    name: s.name,
    state: s.state ?? {},
    lastState: s.lastState ?? {},
    ready: s.ready,
    restartCount: s.restartCount,
    image: s.image,
    imageID: s.imageID,
  };
  if (s.containerID !== undefined) out.containerID = s.containerID;
  if (s.started !== undefined) out.started = s.started;
  if (s.allocatedResources !== undefined) out.allocatedResources = s.allocatedResources;
  if (s.resources !== undefined) out.resources = s.resources;
  if (s.volumeMounts !== undefined) out.volumeMounts = s.volumeMounts;
  return out;
}

function buildStatuses(input: ContainerStatusInput, containers: readonly Container[], isInit: boolean): ContainerStatus[] {
  const spec = specOf(input.pod);
  const defaultReason = (spec.initContainers ?? []).length > 0 ? POD_INITIALIZING : CONTAINER_CREATING;
  const previous = new Map((input.previous ?? []).map((s) => [s.name, s]));
  const anyAppContainerCreated = spec.containers.some((c) => (input.instances.get(c.name)?.length ?? 0) > 0);

  return containers.map((c) => {
    const prev = previous.get(c.name);
    const [newest, beforeNewest] = input.instances.get(c.name) ?? [];
    let s = baseStatus(c, prev, defaultReason);

    if (newest !== undefined) {
      s = fromInstance(c, newest, prev, input.runtimeName);
      if (beforeNewest !== undefined) s.lastState = fromInstance(c, beforeNewest, prev, input.runtimeName).state ?? {};
    } else if (
      prev?.state?.running !== undefined &&
      s.state?.waiting?.reason === defaultReason &&
      s.lastState?.terminated === undefined
    ) {
      // It was running and vanished without a trace: record an unknown ending so the pod does
      // not fall back to Pending as if the container had never started.
      s.lastState = {
        terminated: {
          exitCode: 137,
          reason: CONTAINER_STATUS_UNKNOWN,
          message: 'The container could not be located when the pod was deleted.  The container used to be Running',
        },
      };
      if (input.pod.metadata?.deletionTimestamp === undefined) s.restartCount += 1;
    }

    const initSucceeded = isInit && newest?.state === 'exited' && newest.exitCode === 0;
    if (!initSucceeded) {
      if (isInit && newest === undefined && !isSidecar(c) && anyAppContainerCreated && s.state?.waiting !== undefined) {
        // App containers only start after every plain init container succeeded, so a missing
        // init container must have completed and been cleaned up since.
        s.state = {
          terminated: {
            exitCode: 0,
            reason: 'Completed',
            message: 'Unable to get init container status from container runtime and pod has been initialized, treat it as exited normally',
          },
        };
      } else {
        const note = input.waiting[c.name];
        if (note !== undefined && shouldContainerBeRestarted(c, input.pod, newest, isInit)) {
          if (s.state?.terminated !== undefined) s.lastState = s.state;
          s.state = { waiting: note.message !== undefined && note.message !== '' ? { reason: note.reason, message: note.message } : { reason: note.reason } };
        }
      }
    }

    const running = s.state?.running !== undefined;
    s.started = running && (input.probes.started?.[c.name] ?? true);
    if (isInit && !isSidecar(c)) {
      s.ready = s.state?.terminated !== undefined && s.state.terminated.exitCode === 0;
    } else {
      s.ready = s.started && (input.probes.ready?.[c.name] ?? true);
    }
    const mounts = volumeMountStatuses(c);
    if (mounts !== undefined) s.volumeMounts = mounts;
    else delete s.volumeMounts;
    return ordered(s);
  });
}

/** Init container statuses, in spec order. */
export function initContainerStatuses(input: ContainerStatusInput): ContainerStatus[] {
  return buildStatuses(input, specOf(input.pod).initContainers ?? [], true);
}

/** App container statuses, sorted by name as the kubelet sorts them. */
export function appContainerStatuses(input: ContainerStatusInput): ContainerStatus[] {
  return buildStatuses(input, specOf(input.pod).containers, false).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
