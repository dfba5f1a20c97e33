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

/** One line per workload, the info lines, the summary. */
export function renderScanText(r: ScanResult, opts: { verbose?: boolean } = {}): string {
  const rows = r.workloads.map((w) => [`${w.workload.namespace}/${w.workload.kind.toLowerCase()}/${w.workload.name}`, w.verdict.toUpperCase(), w.checks.join(',') || '-', w.pods === 1 ? '' : `(${w.pods} pods)`]);
  const width = rows.reduce((n, row) => Math.max(n, row[0]!.length), 0);
  const lines = rows.map((row) => `${row[0]!.padEnd(width)}  ${row[1]!.padEnd(7)}  ${row[2]}${row[3] ? `  ${row[3]}` : ''}`);
  const s = r.report.scan;
  for (const u of s.unusedServiceAccounts) lines.push(`info: serviceaccount ${u.namespace}/${u.name} is annotated with ${u.roleArn} but no pod runs as it`);
  for (const f of s.nodeRoleFallbacks) lines.push(`info: ${f.workload.namespace}/${f.workload.kind.toLowerCase()}/${f.workload.name} runs on the unannotated service account ${f.serviceAccount}: it would get the node role`);
  for (const l of s.listFailures) lines.push(`warning: could not list ${l} (that part of the cluster was not checked)`);
  if (opts.verbose) for (const v of r.collected.verbose) lines.push(`verbose: ${v}`);
  const v = s.verdicts;
  lines.push(
    `${s.workloads} workloads (${s.pods} IRSA pods of ${s.podsListed} listed, ${s.roles} roles) in ${s.scope}: ${v.broken} broken, ${v.warn} warn, ${v.unknown} unknown, ${v.ok} ok`,
  );
  return `${lines.join('\n')}\n`;
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
    .addOption(new Option('--role-plan <plan>', 'how roles are read: per-role (GetRole and its policy calls), bulk (GetAccountAuthorizationDetails), auto (bulk from 10 distinct roles)').choices(['auto', 'per-role', 'bulk'] as const).default('auto' as const))
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
