#!/usr/bin/env -S node --
// irsa-doctor / kubectl-irsa: parse the command line, call the core, pick a renderer, set the
// exit code (0 nothing failed, 1 something failed, 2 bad usage or unreadable input).

import { realpathSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from '@commander-js/extra-typings';
import { InputError } from '../evidence/facts.js';
import { diagnoseLive, diagnosePaths, exitCodeOf, type Report } from '../core/diagnose.js';
import { collectLive, type LiveOptions } from '../core/live.js';
import { toBundle } from '../evidence/bundle.js';
import { renderJson } from '../report/json.js';
import { renderText } from '../report/text.js';
import { colorsFor } from '../report/colors.js';
import { explain } from '../explain/index.js';
import { renderExplainJson, renderExplainText } from '../report/explain.js';
import { VERSION } from './version.js';
import { addLabCommands, LabUsageError } from './lab.js';
import { addLiveOptions, liveBaseFromCli, UsageError, type LiveCliOptions } from './live-options.js';
import { addDemoCommand } from './demo.js';
import { addScanCommand } from './scan.js';

interface LiveCommandOptions extends LiveCliOptions {
  probe?: boolean;
}

function liveFromCli(selector: string, o: LiveCommandOptions): LiveOptions {
  return { selector, ...liveBaseFromCli(o) };
}

export { UsageError };

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

  const liveOptions = (c: Command) => addLiveOptions(c.option('-n, --namespace <ns>', "the workload's namespace (default: the context's, else default)") as unknown as Command);

  const diagnose = program
    .command('diagnose')
    .description("diagnose a workload live (pod/NAME, deploy/NAME, sts/NAME, ds/NAME, job/NAME, cronjob/NAME, sa/NAME), or from the outputs of the AWS article's commands (--from)")
    .argument('[selector]', 'pod/NAME | deploy/NAME | sts/NAME | ds/NAME | job/NAME | cronjob/NAME | sa/NAME (live mode)')
    .option('--from <paths...>', 'offline: files or folders of aws/kubectl/openssl outputs, lockfiles, SBOMs, tokens, evidence bundles')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json'] as const).default('text' as const))
    .option('--probe', 'live: call STS AssumeRoleWithWebIdentity with a fresh token for the service account (IRSA402)')
    .option('--action <action>', 'with IRSA108: the API call the application makes, e.g. s3:GetObject')
    .option('--resource <arn>', 'with --action: the resource ARN it calls it on')
    .option('--now <time>', 'evaluate token expiry at this time (ISO 8601) instead of now')
    .option('-v, --verbose', 'show passing and not-applicable checks with their evidence');
  liveOptions(diagnose as unknown as Command);
  diagnose
    .addHelpText(
      'after',
      `
Examples:
  $ ${name} diagnose deploy/api -n payments --probe
  $ ${name} diagnose pod/api-6b7f9c8d5-q2x7w -n payments --context prod -o json
  $ ${name} diagnose --from ./pasted-outputs/
  $ ${name} diagnose --from describe-cluster.json role.json sa.yaml pod.yaml env.txt -o json
  $ ${name} diagnose --from ./outputs --action s3:GetObject --resource arn:aws:s3:::my-bucket/key`,
    )
    .action(async (selector, rawOpts) => {
      const opts = rawOpts as typeof rawOpts & LiveCommandOptions;
      if (opts.resource && !opts.action) throw new UsageError('--resource needs --action');
      if (selector && opts.from) throw new UsageError('give a selector (live) or --from (offline), not both');
      if (!selector && !opts.from) throw new UsageError('diagnose: give a selector such as deploy/NAME -n NS (live), or --from PATH... (offline)');
      const now = opts.now ? parseNow(opts.now) : new Date();
      const intent = opts.action ? { intent: { action: opts.action, ...(opts.resource ? { resource: opts.resource } : {}) } } : {};
      let report: Report;
      if (selector) {
        report = (await diagnoseLive({ ...liveFromCli(selector, opts), probe: Boolean(opts.probe), now, ...intent })).report;
      } else {
        const r = await diagnosePaths(opts.from!, { now, ...intent });
        const errors = r.read.errors;
        if (errors.length) {
          for (const e of errors) io.stderr.write(`${name}: ${e.toString()}\n`);
          const noInput = errors.find((e) => e.name === 'NoInputError');
          if (noInput) io.stderr.write(`usage: ${name} diagnose --from <paths...>\n`);
          setExit(2);
          return;
        }
        const err = colorsFor(io.stderr, io.env);
        for (const f of r.read.files.filter((x) => x.format === null)) {
          io.stderr.write(err.yellow(`${name}: ${f.path}: not recognised${f.note ? `: ${f.note}` : ''}\n`));
        }
        for (const w of r.read.warnings) io.stderr.write(err.yellow(`${name}: ${w.toString()}\n`));
        report = r.report;
      }
      if (opts.output === 'json') io.stdout.write(renderJson(report));
      else io.stdout.write(renderText(report, { colors: colorsFor(io.stdout, io.env), verbose: Boolean(opts.verbose) }));
      setExit(exitCodeOf(report));
    });

  const collect = program
    .command('collect')
    .description('collect the live evidence for a workload into a bundle that `diagnose --from` reads offline (tokens as claims, no credentials, no Secrets)')
    .argument('<selector>', 'pod/NAME | deploy/NAME | sts/NAME | ds/NAME | job/NAME | cronjob/NAME | sa/NAME')
    .requiredOption('-o, --output <file>', 'the bundle file to write')
    .option('--probe', 'include the STS probe');
  liveOptions(collect as unknown as Command);
  collect
    .addHelpText('after', `\nExample:\n  $ ${name} collect deploy/api -n payments -o bundle.json && ${name} diagnose --from bundle.json`)
    .action(async (selector, rawOpts) => {
      const opts = rawOpts as typeof rawOpts & LiveCommandOptions;
      const live = await collectLive({ ...liveFromCli(selector, opts), probe: Boolean(opts.probe) });
      writeFileSync(opts.output, `${JSON.stringify(toBundle(live.facts, live.target, new Date()), null, 2)}\n`);
      io.stdout.write(`wrote ${live.facts.length} facts to ${opts.output}\n`);
      setExit(0);
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
  addDemoCommand(program, io, setExit);
  addScanCommand(program, io, setExit);

  return program;
}

export async function main(argv: string[], io: Io): Promise<number> {
  // The AWS SDK warns on Node 20 about its future releases; irsa-doctor pins its SDK versions.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
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
  // `irsa-doctor ... | head`: a closed pipe ends the output quietly, as for any Unix tool.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
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
