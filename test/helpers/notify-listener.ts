import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Plays systemd's side of sd_notify: a unix datagram socket (which Node cannot open, hence a
 * python3 one-liner) that records every field it receives with the time it arrived.
 */
const SCRIPT = `
import os, socket, sys, time
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
print("LISTENING", flush=True)
while True:
    data = s.recv(65536)
    now = time.time() * 1000
    for field in data.decode("utf-8", "replace").split("\\n"):
        if field:
            print("%.1f %s" % (now, field), flush=True)
`;

export interface Notification {
  /** ms since the epoch */
  at: number;
  field: string;
}

export class NotifyListener {
  readonly messages: Notification[] = [];
  private constructor(private readonly child: ChildProcess) {}

  static async start(socketPath: string): Promise<NotifyListener> {
    const child = spawn('python3', ['-c', SCRIPT, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    const l = new NotifyListener(child);
    let buf = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`notify listener exited with ${code}`)));
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) !== -1) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line === 'LISTENING') {
            resolve();
            continue;
          }
          const sp = line.indexOf(' ');
          l.messages.push({ at: Number(line.slice(0, sp)), field: line.slice(sp + 1) });
        }
      });
    });
    return l;
  }

  /** Arrival times of one field (`WATCHDOG=1`), or of fields starting with a prefix (`STATUS=`). */
  times(field: string): number[] {
    return this.messages.filter((m) => (field.endsWith('=') ? m.field.startsWith(field) : m.field === field)).map((m) => m.at);
  }

  stop(): void {
    this.child.removeAllListeners('exit');
    this.child.kill('SIGKILL');
  }
}
