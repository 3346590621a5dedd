import { RuntimeError } from '../../runtime/index.js';
import type { ProbeHandler } from '../types.js';
import { errorText, failure, PROBE_OUTPUT_LIMIT, success } from './common.js';

/**
 * Extra time for the CRI call beyond the exec's own timeout: the runtime should report the
 * timeout itself (and kill the process) first, and that report needs a round trip.
 */
export const EXEC_CALL_SLACK_MS = 5_000;

/**
 * containerd reports an exec that ran past its timeout as DEADLINE_EXCEEDED, but some runtime
 * versions flatten it to UNKNOWN with the Go error text, so the text is checked too.
 */
const TIMEOUT_TEXT = /deadline exceeded|timeout .*exceeded/i;

function isTimeout(err: unknown): boolean {
  if (!(err instanceof RuntimeError)) return false;
  return err.kind === 'DeadlineExceeded' || TIMEOUT_TEXT.test(err.details);
}

/** stdout then stderr (the runtime keeps them apart; the kubelet's writer interleaves them), 10 KiB at most. */
function probeOutput(stdout: Buffer, stderr: Buffer): string {
  return Buffer.concat([stdout, stderr]).subarray(0, PROBE_OUTPUT_LIMIT).toString('utf8').trim();
}

/** Runs the command in the container through the runtime; exit status 0 is healthy. */
export const execProbe: ProbeHandler = async (probe, target, timeoutMs) => {
  const cmd = probe.exec?.command ?? [];
  if (cmd.length === 0) return failure('exec probe has no command');
  const shown = JSON.stringify(cmd.join(' '));
  // CRI takes whole seconds and treats 0 as "no timeout", which a probe must never get.
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  try {
    const r = await target.runtime.execSync(target.containerId, cmd, seconds, { timeoutMs: timeoutMs + EXEC_CALL_SLACK_MS });
    const out = probeOutput(r.stdout, r.stderr);
    if (r.exitCode === 0) return success(out);
    return failure(`command ${shown} exited with ${r.exitCode}${out ? `: ${out}` : ''}`);
  } catch (err) {
    if (isTimeout(err)) return failure(`command ${shown} timed out`);
    return failure(errorText(err));
  }
};
