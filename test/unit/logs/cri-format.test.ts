import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatLine, LineAssembler, parseCriLine, parseCriLog, parseTimestamp, selectLines } from '../../../src/logs/cri-format.js';

const T = '2026-11-25T10:00:00.123456789Z';

describe('CRI log format', () => {
  test('parses time, stream, tag and text; the text keeps its spaces', () => {
    assert.deepEqual(parseCriLine(`${T} stdout F hello  world `), {
      timestamp: T,
      timeMs: Date.parse('2026-11-25T10:00:00.123Z'),
      stream: 'stdout',
      partial: false,
      text: 'hello  world ',
    });
    assert.equal(parseCriLine(`${T} stderr P part`)?.partial, true);
    assert.equal(parseCriLine(`${T} stderr P part`)?.stream, 'stderr');
    assert.equal(parseCriLine(`${T} stdout F`)?.text, '', 'an empty line');
    assert.equal(parseCriLine(`${T} stdout F:x:y text`)?.partial, false, 'tags beyond the first are ignored');
  });

  test('refuses lines that are not CRI entries', () => {
    assert.equal(parseCriLine('plain text'), undefined);
    assert.equal(parseCriLine(`${T} stdin F x`), undefined);
    assert.equal(parseCriLine(`yesterday stdout F x`), undefined);
  });

  test('timestamps with offsets and without fractions', () => {
    assert.equal(parseTimestamp('2026-11-25T11:00:00+01:00'), Date.parse('2026-11-25T10:00:00Z'));
    assert.equal(parseTimestamp('2026-11-25T10:00:00.5Z'), Date.parse('2026-11-25T10:00:00.500Z'));
    assert.ok(Number.isNaN(parseTimestamp('2026-11-25')));
  });

  test('partial entries are joined per stream, interleaved with the other stream', () => {
    const text = [
      `${T} stdout P abc`,
      `2026-11-25T10:00:01Z stderr F err line`,
      `2026-11-25T10:00:02Z stdout P def`,
      `2026-11-25T10:00:03Z stdout F ghi`,
      `2026-11-25T10:00:04Z stdout F next`,
      '',
    ].join('\n');
    const lines = parseCriLog(text);
    assert.deepEqual(
      lines.map((l) => [l.stream, l.text, l.timestamp]),
      [
        ['stderr', 'err line', '2026-11-25T10:00:01Z'],
        ['stdout', 'abcdefghi', T],
        ['stdout', 'next', '2026-11-25T10:00:04Z'],
      ],
    );
  });

  test('an unfinished partial line is kept open across chunks and flushed at the end', () => {
    const a = new LineAssembler();
    assert.deepEqual(parseCriLog(`${T} stdout P one `, a, false), []);
    assert.deepEqual(parseCriLog(`${T} stdout P two`, a, false), []);
    assert.deepEqual(parseCriLog('', a).map((l) => l.text), ['one two']);
  });

  test('--tail takes the last lines, then --since drops older ones; formatting with timestamps', () => {
    const lines = [0, 1, 2, 3, 4].map((i) => ({ timestamp: `t${i}`, timeMs: i * 1000, stream: 'stdout' as const, text: `line ${i}` }));
    assert.deepEqual(selectLines(lines, { tail: 2 }).map((l) => l.text), ['line 3', 'line 4']);
    assert.deepEqual(selectLines(lines, { tail: 0 }), []);
    assert.equal(selectLines(lines, { tail: -1 }).length, 5);
    assert.deepEqual(selectLines(lines, { sinceMs: 2500 }).map((l) => l.text), ['line 3', 'line 4']);
    assert.deepEqual(selectLines(lines, { tail: 3, sinceMs: 3000 }).map((l) => l.text), ['line 3', 'line 4']);
    assert.equal(formatLine(lines[1]!, true), 't1 line 1\n');
    assert.equal(formatLine(lines[1]!, false), 'line 1\n');
  });
});
