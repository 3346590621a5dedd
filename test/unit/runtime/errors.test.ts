import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata, status } from '@grpc/grpc-js';
import {
  AlreadyExistsError,
  CanceledError,
  DeadlineExceededError,
  FailedPreconditionError,
  fromGrpcError,
  InvalidArgumentError,
  isNameReserved,
  isNotFound,
  isUnavailable,
  NotFoundError,
  ResourceExhaustedError,
  RuntimeError,
  UnavailableError,
  UnimplementedError,
} from '../../../src/runtime/index.js';

function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata: new Metadata() });
}

describe('fromGrpcError', () => {
  const table: Array<[number, new (...a: never[]) => RuntimeError, string]> = [
    [status.NOT_FOUND, NotFoundError, 'NotFound'],
    [status.UNAVAILABLE, UnavailableError, 'Unavailable'],
    [status.DEADLINE_EXCEEDED, DeadlineExceededError, 'DeadlineExceeded'],
    [status.INVALID_ARGUMENT, InvalidArgumentError, 'InvalidArgument'],
    [status.OUT_OF_RANGE, InvalidArgumentError, 'InvalidArgument'],
    [status.ALREADY_EXISTS, AlreadyExistsError, 'AlreadyExists'],
    [status.FAILED_PRECONDITION, FailedPreconditionError, 'FailedPrecondition'],
    [status.UNIMPLEMENTED, UnimplementedError, 'Unimplemented'],
    [status.RESOURCE_EXHAUSTED, ResourceExhaustedError, 'ResourceExhausted'],
    [status.CANCELLED, CanceledError, 'Canceled'],
  ];
  for (const [code, Ctor, kind] of table) {
    it(`maps ${status[code]} to ${Ctor.name}`, () => {
      const e = fromGrpcError('StartContainer', grpcError(code, 'boom'));
      assert.ok(e instanceof Ctor);
      assert.ok(e instanceof RuntimeError);
      assert.equal(e.kind, kind);
      assert.equal(e.op, 'StartContainer');
      assert.equal(e.details, 'boom');
      assert.equal(e.grpcCode, code);
      assert.equal(e.message, 'StartContainer: boom');
      assert.equal(e.name, Ctor.name);
    });
  }

  it('treats UNKNOWN with a not-found text as NotFound (containerd does this)', () => {
    const e = fromGrpcError('PullImage', grpcError(status.UNKNOWN, 'failed to resolve reference "x": x: not found'));
    assert.ok(isNotFound(e));
  });

  it('keeps other UNKNOWN and INTERNAL errors as plain RuntimeError', () => {
    for (const code of [status.UNKNOWN, status.INTERNAL, status.PERMISSION_DENIED]) {
      const e = fromGrpcError('RunPodSandbox', grpcError(code, 'failed to setup network'));
      assert.equal(e.constructor, RuntimeError);
      assert.equal(e.kind, 'Unknown');
      assert.equal(e.grpcCode, code);
    }
  });

  it('wraps non-gRPC errors and passes RuntimeErrors through', () => {
    const plain = fromGrpcError('Version', new TypeError('bad'));
    assert.equal(plain.details, 'bad');
    assert.equal(plain.grpcCode, undefined);
    assert.ok(plain.cause instanceof TypeError);
    const already = new UnavailableError('Version', 'down');
    assert.equal(fromGrpcError('Other', already), already);
    assert.equal(fromGrpcError('X', 'string thrown').details, 'string thrown');
  });

  it('offers predicates', () => {
    assert.ok(isUnavailable(fromGrpcError('Version', grpcError(status.UNAVAILABLE, 'x'))));
    assert.ok(!isNotFound(fromGrpcError('Version', grpcError(status.UNAVAILABLE, 'x'))));
  });
});

describe('isNameReserved', () => {
  it("matches containerd's refusals while an earlier create of the same name runs", () => {
    const sandbox = 'failed to reserve sandbox name "web-node-1_default_0b9c_0": name "web-node-1_default_0b9c_0" is reserved for "9c4bc8c08e"';
    const container = 'failed to reserve container name "main_web-node-1_default_0b9c_1": name "main_web-node-1_default_0b9c_1" is reserved for "4c682aa1"';
    assert.equal(isNameReserved(fromGrpcError('RunPodSandbox', grpcError(status.UNKNOWN, sandbox))), true);
    assert.equal(isNameReserved(fromGrpcError('CreateContainer', grpcError(status.UNKNOWN, container))), true);
  });

  it('leaves every other failure, and errors that are not the runtime\'s, alone', () => {
    assert.equal(isNameReserved(fromGrpcError('CreateContainer', grpcError(status.UNKNOWN, 'failed to create containerd container: image not found'))), false);
    assert.equal(isNameReserved(new Error('failed to reserve sandbox name "x": name "x" is reserved for "y"')), false);
  });
});
