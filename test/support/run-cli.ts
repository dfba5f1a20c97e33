// Runs the real CLI entry (`main`) in-process with captured streams.
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const stdin = Readable.from(opts.stdin !== undefined ? [Buffer.from(opts.stdin)] : []) as NodeJS.ReadableStream & { isTTY?: boolean };
  if (opts.stdin === undefined) stdin.isTTY = true;
  const code = await main(['node', 'irsa-doctor', ...args], {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    stdin,
    env: opts.env ?? { NO_COLOR: '1' },
  });
  return { code, stdout, stderr };
}
