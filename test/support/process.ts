// Runs a real client (kubectl, aws, python3, curl...) as a subprocess, asynchronously (never
// spawnSync against a server in the same process: it would deadlock), from the repository root.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function runProcess(cmd: string, args: string[], env: Record<string, string>, input = ''): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(input);
  });
}

/** What a failed SDK call became, in the scripts runSdkScript runs: null when it succeeded. */
const sdkErr = (withType: boolean) =>
  `const err = async (p) => { try { await p; return null; } catch (e) { return { name: e.name, message: e.message, fault: e.$fault, status: e.$metadata?.httpStatusCode${withType ? ', type: e.Type' : ''} }; } };`;
const SDK_OUT = 'const out = (x) => console.log(JSON.stringify(x));';

/**
 * Runs an ES module with Node (the AWS SDK for JavaScript, as users run it): `head` imports and
 * makes its clients, then `err(p)` (a failed call's name, message, fault and HTTP status, plus
 * the Query error type with `errorType`, or null) and `out(x)` (prints JSON) are defined, then
 * `body` runs. Returns what it printed, parsed; a script that exits non-zero fails the test.
 */
export async function runSdkScript(head: readonly string[], body: string, env: Record<string, string>, opts: { errorType?: boolean } = {}): Promise<any> {
  const r = await runProcess(process.execPath, ['--input-type=module', '-e', [...head, sdkErr(opts.errorType === true), SDK_OUT, body].join('\n')], env);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}
