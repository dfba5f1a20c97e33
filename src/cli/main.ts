#!/usr/bin/env -S node --
// irsa-doctor / kubectl-irsa: parse the command line, call the core, pick a renderer, set the
// exit code (0 nothing failed, 1 something failed, 2 bad usage or unreadable input).

import { realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from '@commander-js/extra-typings';
import { InputError } from '../evidence/facts.js';
import { diagnosePaths, exitCodeOf } from '../core/diagnose.js';
import { renderJson } from '../report/json.js';
import { renderText } from '../report/text.js';
import { colorsFor } from '../report/colors.js';
import { explain } from '../explain/index.js';
import { renderExplainJson, renderExplainText } from '../report/explain.js';
import { VERSION } from './version.js';
import { addLabCommands, LabUsageError } from './lab.js';

/** A usage problem: one line, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

function parseNow(s: string): Date {
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--now: ${JSON.stringify(s)} is not a date (use ISO 8601, e.g. 2026-11-28T12:00:00Z)`);
  return d;
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const name = basename(process.argv[1] ?? 'irsa-doctor').replace(/\.(js|ts)$/, '') === 'kubectl-irsa' ? 'kubectl irsa' : 'irsa-doctor';
  const program = new Command()
    .name(name)
    .description('Find out why an Amazon EKS pod cannot use its IAM role (IRSA), and exactly what to change.')
    .version(VERSION)
    .option('--debug', 'print stack traces of internal errors')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();

  program
    .command('diagnose')
    .description("diagnose workloads from the outputs of the AWS article's commands (files or folders)")
    .requiredOption('--from <paths...>', 'files or folders of aws/kubectl/openssl outputs, lockfiles, SBOMs, tokens')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json'] as const).default('text' as const))
    .option('--action <action>', 'with IRSA108: the API call the application makes, e.g. s3:GetObject')
    .option('--resource <arn>', 'with --action: the resource ARN it calls it on')
    .option('--now <time>', 'evaluate token expiry at this time (ISO 8601) instead of now')
    .option('-v, --verbose', 'show passing and not-applicable checks with their evidence')
    .addHelpText(
      'after',
      `
Examples:
  $ ${name} diagnose --from ./pasted-outputs/
  $ ${name} diagnose --from describe-cluster.json role.json sa.yaml pod.yaml env.txt -o json
  $ ${name} diagnose --from ./outputs --action s3:GetObject --resource arn:aws:s3:::my-bucket/key`,
    )
    .action(async (opts) => {
      if (opts.resource && !opts.action) throw new UsageError('--resource needs --action');
      const now = opts.now ? parseNow(opts.now) : new Date();
      const { report, read } = await diagnosePaths(opts.from, { now, ...(opts.action ? { intent: { action: opts.action, ...(opts.resource ? { resource: opts.resource } : {}) } } : {}) });
      const errors = read.errors;
      if (errors.length) {
        for (const e of errors) io.stderr.write(`${name}: ${e.toString()}\n`);
        const noInput = errors.find((e) => e.name === 'NoInputError');
        if (noInput) io.stderr.write(`usage: ${name} diagnose --from <paths...>\n`);
        setExit(2);
        return;
      }
      const err = colorsFor(io.stderr, io.env);
      for (const f of read.files.filter((x) => x.format === null)) {
        io.stderr.write(err.yellow(`${name}: ${f.path}: not recognised${f.note ? `: ${f.note}` : ''}\n`));
      }
      for (const w of read.warnings) io.stderr.write(err.yellow(`${name}: ${w.toString()}\n`));
      if (opts.output === 'json') io.stdout.write(renderJson(report));
      else io.stdout.write(renderText(report, { colors: colorsFor(io.stdout, io.env), verbose: Boolean(opts.verbose) }));
      setExit(exitCodeOf(report));
    });

  program
    .command('explain')
    .description('explain an error message (or a log excerpt): what it means, likely causes, the checks that settle them')
    .argument('[text...]', 'the error text; "-" or nothing reads standard input')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json'] as const).default('text' as const))
    .option('--role-arn <arn>', "the role the pod should use (its service account's eks.amazonaws.com/role-arn): tells the node role from the IRSA role in AccessDenied errors")
    .addHelpText(
      'after',
      `
Examples:
  $ ${name} explain "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience"
  $ kubectl logs deploy/api -n payments | ${name} explain -
  $ ${name} explain --role-arn arn:aws:iam::111122223333:role/api -o json < error.txt`,
    )
    .action(async (words, opts) => {
      let text = words.join(' ');
      if (text === '' || text === '-') {
        if (io.stdin.isTTY) throw new UsageError('explain: give the error text as arguments, or pipe it on standard input');
        text = await readStdin(io.stdin);
      }
      if (text.trim() === '') throw new UsageError('explain: the text is empty');
      const matches = explain(text, opts.roleArn ? { expectedRoleArn: opts.roleArn } : {});
      if (opts.output === 'json') io.stdout.write(renderExplainJson(matches));
      else io.stdout.write(renderExplainText(matches, colorsFor(io.stdout, io.env)));
      setExit(matches.length ? 0 : 1);
    });

  addLabCommands(program, io, setExit);

  return program;
}

export async function main(argv: string[], io: Io): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  const debug = argv.includes('--debug');
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      return 2;
    }
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; everything else commander rejects is a usage error.
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 2;
    }
    if (e instanceof UsageError || e instanceof LabUsageError || e instanceof InputError) {
      io.stderr.write(`${program.name()}: ${e instanceof InputError ? e.toString() : e.message}\n`);
      if (debug && e.stack) io.stderr.write(`${e.stack}\n`);
      return 2;
    }
    const err = e as Error;
    io.stderr.write(`${program.name()}: internal error: ${err?.message ?? String(e)}${debug ? '' : ' (run with --debug for details, and please report it)'}\n`);
    if (debug && err?.stack) io.stderr.write(`${err.stack}\n`);
    return 70;
  }
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    // Bins are symlinks (node_modules/.bin, npm link): compare real paths.
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`irsa-doctor: ${String(e)}\n`);
      process.exitCode = 70;
    },
  );
}
