// `irsa-doctor scan [-n NS | -A]`: every workload that uses IRSA, one line each, and a summary.

import type { Command } from '@commander-js/extra-typings';
import { Option } from '@commander-js/extra-typings';
import { scan, scanExitCode, type ScanOptions, type ScanResult } from '../core/scan.js';
import type { ScanProgress } from '../evidence/live/scan-collect.js';
import type { Io } from './main.js';
import { addLiveOptions, liveBaseFromCli, UsageError, type LiveCliOptions } from './live-options.js';

export interface ScanCliOptions extends LiveCliOptions {
  allNamespaces?: boolean;
}

export function scanOptionsFromCli(o: ScanCliOptions): ScanOptions {
  if (o.allNamespaces && o.namespace) throw new UsageError('scan: give -n NAMESPACE or -A, not both');
  return { ...liveBaseFromCli(o), ...(o.allNamespaces ? { allNamespaces: true } : {}) };
}

const UNDECIDED_SHOWN = 20;

/** `(3 pods)`, or when replicas differ `(3 pods: 1 broken, 2 ok)` (the line shows the worst). */
function podsNote(w: ScanResult['workloads'][number]): string {
  if (w.pods === 1) return '';
  const mixed = (['broken', 'warn', 'unknown', 'ok'] as const).filter((v) => w.podVerdicts[v] > 0);
  if (mixed.length < 2) return `(${w.pods} pods)`;
  return `(${w.pods} pods: ${mixed.map((v) => `${w.podVerdicts[v]} ${v}`).join(', ')})`;
}

/** One line per workload, the info lines, the summary. */
export function renderScanText(r: ScanResult, opts: { verbose?: boolean } = {}): string {
  const rows = r.workloads.map((w) => [`${w.workload.namespace}/${w.workload.kind.toLowerCase()}/${w.workload.name}`, w.verdict.toUpperCase(), w.checks.join(',') || '-', podsNote(w)]);
  const width = rows.reduce((n, row) => Math.max(n, row[0]!.length), 0);
  const lines = rows.map((row) => `${row[0]!.padEnd(width)}  ${row[1]!.padEnd(7)}  ${row[2]}${row[3] ? `  ${row[3]}` : ''}`);
  const s = r.report.scan;
  for (const u of s.unusedServiceAccounts) lines.push(`info: serviceaccount ${u.namespace}/${u.name} is annotated with ${u.roleArn} but no pod runs as it`);
  for (const f of s.nodeRoleFallbacks) lines.push(`info: ${f.workload.namespace}/${f.workload.kind.toLowerCase()}/${f.workload.name} runs on the unannotated service account ${f.serviceAccount}: it would get the node role`);
  for (const l of s.listFailures) lines.push(`warning: could not list ${l} (that part of the cluster was not checked)`);
  // When service accounts could not be listed at all, every workload is undecided: name a few.
  const undecided = s.coverage.undecidedWorkloads;
  for (const w of undecided.slice(0, UNDECIDED_SHOWN)) lines.push(`warning: ${w.namespace}/${w.kind.toLowerCase()}/${w.name}: its service account could not be read, so whether it uses IRSA is unknown (not checked)`);
  if (undecided.length > UNDECIDED_SHOWN) lines.push(`warning: ... and ${undecided.length - UNDECIDED_SHOWN} more workloads whose service account could not be read (-o json lists them all)`);
  if (opts.verbose) for (const v of r.collected.verbose) lines.push(`verbose: ${v}`);
  const v = s.verdicts;
  lines.push(
    `${s.workloads} workloads (${s.pods} IRSA pods of ${s.podsListed} listed, ${s.roles} roles) in ${s.scope}: ${v.broken} broken, ${v.warn} warn, ${v.unknown} unknown, ${v.ok} ok`,
  );
  lines.push(coverageLine(s));
  return `${lines.join('\n')}\n`;
}

/** How much of the scope was really checked, in one line. */
export function coverageLine(s: ScanResult['report']['scan']): string {
  const c = s.coverage;
  const notRead = c.notReadByScan.length ? `; not read by a scan: ${c.notReadByScan.join('; ')}` : '';
  if (c.complete) return `checked: all ${s.workloads} workloads in ${s.scope} (every list read, every role and provider read)${notRead}`;
  const parts: string[] = [];
  if (c.scopeUnlisted) parts.push(`${c.unlistedKinds.join(', ')} could not be listed in ${s.scope}`);
  if (c.unlistedNamespaces.length) parts.push(`${c.unlistedNamespaces.length} namespace(s) could not be listed (${c.unlistedNamespaces.slice(0, 5).join(', ')}${c.unlistedNamespaces.length > 5 ? ', ...' : ''})`);
  if (c.undecidedWorkloads.length) parts.push(`${c.undecidedWorkloads.length} workload(s) on service accounts that could not be read`);
  const short = s.workloads - c.workloadsJudged;
  if (short) parts.push(`${short} workload(s) with checks unknown because a read failed (see their checks)`);
  return `checked: PARTIAL: ${c.workloadsJudged} of ${s.workloads} workloads fully judged; ${parts.join('; ')}${notRead}`;
}

function progressLine(p: ScanProgress): string {
  const listed = Object.entries(p.listed)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  if (p.phase === 'kubernetes') return `listing: ${listed || '...'}`;
  if (p.phase === 'cluster') return `describing the cluster (${listed})`;
  if (p.phase === 'roles') return `reading roles: ${p.rolesDone}/${p.rolesTotal}`;
  return '';
}

export function addScanCommand(program: Command, io: Io, setExit: (c: number) => void): void {
  const cmd = program
    .command('scan')
    .description('scan a namespace (-n) or the whole cluster (-A): every workload that uses IRSA, one line each, with a summary')
    .option('-n, --namespace <ns>', "the namespace (default: the context's, else default)")
    .option('-A, --all-namespaces', 'every namespace');
  addLiveOptions(cmd as unknown as Command);
  cmd
    .addOption(new Option('--role-plan <plan>', 'how roles are read: per-role (GetRole and its policy calls), bulk (GetAccountAuthorizationDetails), auto (the cheaper for the number of roles and the account size)').choices(['auto', 'per-role', 'bulk'] as const).default('auto' as const))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json'] as const).default('text' as const))
    .option('-v, --verbose', 'show the collection plan and what each phase read')
    .addHelpText(
      'after',
      `
A scan reads each Kubernetes kind with one paginated list, describes the cluster once and reads
each distinct role once. It requests no service account token and makes no STS probe: use
\`diagnose WORKLOAD --probe\` on a workload for those. Progress goes to stderr on a terminal.

Examples:
  $ irsa-doctor scan -A
  $ irsa-doctor scan -n payments -o json`,
    )
    .action(async (rawOpts) => {
      const opts = rawOpts as typeof rawOpts & ScanCliOptions;
      const tty = Boolean(io.stderr.isTTY);
      let last = '';
      const onProgress = (p: ScanProgress): void => {
        const line = progressLine(p);
        if (line === last) return;
        last = line;
        io.stderr.write(`\r\x1b[2K${line}`);
      };
      let result: ScanResult;
      try {
        result = await scan({ ...scanOptionsFromCli(opts), rolePlan: opts.rolePlan, ...(tty ? { onProgress } : {}) });
      } finally {
        if (tty && last) io.stderr.write('\r\x1b[2K');
      }
      if (opts.output === 'json') io.stdout.write(`${JSON.stringify(result.report, null, 2)}\n`);
      else {
        io.stdout.write(renderScanText(result, { verbose: Boolean(opts.verbose) }));
      }
      setExit(scanExitCode(result));
    });
}
