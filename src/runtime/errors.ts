import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';

/**
 * Typed runtime errors. Callers branch on the class (or `kind`) instead of on gRPC status
 * numbers, so nothing outside src/runtime needs to know the runtime speaks gRPC.
 */
export type RuntimeErrorKind =
  | 'NotFound'
  | 'Unavailable'
  | 'DeadlineExceeded'
  | 'InvalidArgument'
  | 'AlreadyExists'
  | 'FailedPrecondition'
  | 'Unimplemented'
  | 'ResourceExhausted'
  | 'Canceled'
  | 'Unknown';

export class RuntimeError extends Error {
  readonly kind: RuntimeErrorKind = 'Unknown';
  /** The CRI method that failed, e.g. "RunPodSandbox". */
  readonly op: string;
  /** The runtime's own message, without our prefix. */
  readonly details: string;
  readonly grpcCode: number | undefined;

  constructor(op: string, details: string, grpcCode?: number, options?: { cause?: unknown }) {
    super(`${op}: ${details}`, options);
    this.op = op;
    this.details = details;
    this.grpcCode = grpcCode;
    this.name = new.target.name;
  }
}

export class NotFoundError extends RuntimeError {
  override readonly kind = 'NotFound' as const;
}
export class UnavailableError extends RuntimeError {
  override readonly kind = 'Unavailable' as const;
}
export class DeadlineExceededError extends RuntimeError {
  override readonly kind = 'DeadlineExceeded' as const;
}
export class InvalidArgumentError extends RuntimeError {
  override readonly kind = 'InvalidArgument' as const;
}
export class AlreadyExistsError extends RuntimeError {
  override readonly kind = 'AlreadyExists' as const;
}
export class FailedPreconditionError extends RuntimeError {
  override readonly kind = 'FailedPrecondition' as const;
}
export class UnimplementedError extends RuntimeError {
  override readonly kind = 'Unimplemented' as const;
}
export class ResourceExhaustedError extends RuntimeError {
  override readonly kind = 'ResourceExhausted' as const;
}
export class CanceledError extends RuntimeError {
  override readonly kind = 'Canceled' as const;
}

/** The endpoint string itself is malformed; no connection was attempted. */
export class InvalidEndpointError extends Error {
  constructor(readonly endpoint: string, reason: string) {
    super(`invalid container runtime endpoint "${endpoint}": ${reason}`);
    this.name = 'InvalidEndpointError';
  }
}

/** The handshake failed: unreachable, wrong API, or not ready. `message` is one line for users. */
export class RuntimeNotReadyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuntimeNotReadyError';
  }
}

type ErrorCtor = new (op: string, details: string, grpcCode?: number, options?: { cause?: unknown }) => RuntimeError;

const BY_CODE: ReadonlyMap<number, ErrorCtor> = new Map<number, ErrorCtor>([
  [GrpcStatus.NOT_FOUND, NotFoundError],
  [GrpcStatus.UNAVAILABLE, UnavailableError],
  [GrpcStatus.DEADLINE_EXCEEDED, DeadlineExceededError],
  [GrpcStatus.INVALID_ARGUMENT, InvalidArgumentError],
  [GrpcStatus.OUT_OF_RANGE, InvalidArgumentError],
  [GrpcStatus.ALREADY_EXISTS, AlreadyExistsError],
  [GrpcStatus.FAILED_PRECONDITION, FailedPreconditionError],
  [GrpcStatus.UNIMPLEMENTED, UnimplementedError],
  [GrpcStatus.RESOURCE_EXHAUSTED, ResourceExhaustedError],
  [GrpcStatus.CANCELLED, CanceledError],
]);

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

/**
 * containerd (1.6/1.7) reports some missing objects as UNKNOWN with a "not found" text
 * (e.g. an image that is absent from the registry); the kubelet matches on the text too.
 */
const NOT_FOUND_TEXT = /\bnot found\b|does not exist|no such (container|sandbox|image)/i;

/** Maps any error thrown by a gRPC call to a RuntimeError subclass. */
export function fromGrpcError(op: string, err: unknown): RuntimeError {
  if (err instanceof RuntimeError) return err;
  if (!isServiceError(err)) {
    const msg = err instanceof Error ? err.message : String(err);
    return new RuntimeError(op, msg, undefined, { cause: err });
  }
  const details = err.details || err.message;
  let Ctor = BY_CODE.get(err.code);
  if (!Ctor && err.code === GrpcStatus.UNKNOWN && NOT_FOUND_TEXT.test(details)) Ctor = NotFoundError;
  return new (Ctor ?? RuntimeError)(op, details, err.code, { cause: err });
}

export function isNotFound(err: unknown): err is NotFoundError {
  return err instanceof NotFoundError;
}

export function isUnavailable(err: unknown): err is UnavailableError {
  return err instanceof UnavailableError;
}

/**
 * containerd reserves a sandbox's or container's name (pod, attempt) for the whole of the call
 * that creates it, and a second request for the same name fails with "failed to reserve ...
 * name ...: name ... is reserved for <id>" while the first runs on, even once its caller is gone
 * (a supervisor killed mid-call). The object either appears soon or the name is released: a
 * reason to look again shortly, not a failure of the pod.
 */
const NAME_RESERVED_TEXT = /failed to reserve (sandbox|container) name|\bis reserved for\b/;

export function isNameReserved(err: unknown): err is RuntimeError {
  return err instanceof RuntimeError && NAME_RESERVED_TEXT.test(err.details);
}
