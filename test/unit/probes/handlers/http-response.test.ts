import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ResponseReader } from '../../../../src/probes/handlers/http-response.js';

/** Feeds `parts` in order; returns the reader and the first error text. */
function read(parts: string[], limit = 1024, closed = false): { r: ResponseReader; err: string | undefined } {
  const r = new ResponseReader(limit);
  let err: string | undefined;
  for (const p of parts) err ??= r.push(Buffer.from(p, 'latin1'));
  if (closed) r.end();
  return { r, err };
}

describe('ResponseReader', () => {
  test('Content-Length body, done without waiting for the close', () => {
    const { r, err } = read(['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello']);
    assert.equal(err, undefined);
    assert.deepEqual([r.done, r.status, r.body], [true, 200, 'hello']);
  });

  test('headers and body split at any byte', () => {
    const text = 'HTTP/1.1 301 Moved\r\nLocation: /next\r\nContent-Length: 3\r\n\r\nabc';
    for (let i = 1; i < text.length; i++) {
      const { r } = read([text.slice(0, i), text.slice(i)]);
      assert.deepEqual([r.done, r.status, r.location, r.body], [true, 301, '/next', 'abc'], `split at ${i}`);
    }
  });

  test('bare LF line ends are accepted, as Go does', () => {
    const { r } = read(['HTTP/1.0 500 Internal\nContent-Type: text/plain\n\nboom'], 1024, true);
    assert.deepEqual([r.done, r.status, r.body], [true, 500, 'boom']);
  });

  test('a body without length ends at the close; cut short before that it is not done', () => {
    const open = read(['HTTP/1.1 200 OK\r\n\r\npartial']);
    assert.equal(open.r.done, false);
    assert.equal(open.r.headersDone, true);
    const closed = read(['HTTP/1.1 200 OK\r\n\r\npartial'], 1024, true);
    assert.deepEqual([closed.r.done, closed.r.body], [true, 'partial']);
    const short = read(['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'], 1024, true);
    assert.equal(short.r.done, false);
  });

  test('chunked bodies are decoded across reads, extensions and trailers ignored', () => {
    const { r, err } = read(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nab', 'cd\r\n3\r\nefg\r', '\n0\r\nX-Trailer: 1\r\n\r\n']);
    assert.equal(err, undefined);
    assert.deepEqual([r.done, r.body], [true, 'abcdefg']);
  });

  test('the body stops at the limit', () => {
    const { r } = read(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n'], 8);
    assert.deepEqual([r.done, r.body], [true, '01234567']);
  });

  test('interim 1xx answers are skipped', () => {
    const { r } = read(['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n']);
    assert.deepEqual([r.done, r.status, r.body], [true, 204, '']);
  });

  test('malformed answers are errors, in Go words where it has them', () => {
    assert.equal(read(['SSH-2.0-OpenSSH\r\n\r\n']).err, 'malformed HTTP response "SSH-2.0-OpenSSH"');
    assert.equal(read(['HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n']).err, 'bad Content-Length "x"');
    assert.equal(read(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n']).err, 'malformed chunked encoding');
    assert.match(read(['HTTP/1.1 200 OK\r\n' + 'X: y\r\n'.repeat(300_000)]).err ?? '', /headers exceeded/);
  });
});
