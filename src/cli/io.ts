/** Where a command writes; injectable so tests run actions in-process and read what they print. */
export interface Output {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export function processOutput(): Output {
  return { stdout: process.stdout, stderr: process.stderr };
}
