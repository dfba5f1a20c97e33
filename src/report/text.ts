// The text report: one block per subject, checks grouped in the order of the AWS article's
// steps, failures first in full (evidence and the exact fix), passes on one line.

import type { Report } from '../core/diagnose.js';
import type { Finding, Status } from '../checks/define.js';
import type { SubjectReport, Verdict } from '../checks/runner.js';
import { CATALOGUE } from '../checks/catalogue.js';
import type { Colors } from './colors.js';

export const STEP_TITLES: Record<number, string> = {
  1: 'OIDC provider for the cluster',
  2: 'Role permissions',
  3: 'Role trust relationship',
  4: 'Service account exists',
  5: 'Service account role annotation',
  6: "Pod's service account",
  7: 'Environment variables and credentials',
  8: 'AWS SDK version',
  9: "Pod's user and the token file",
  10: 'Pods created before IRSA was set up',
  11: 'Audience',
  12: 'Thumbprint',
  13: 'China regions and STS endpoints',
  0: 'Token, probe and evidence',
};
const STEP_ORDER = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0];
const stepOf = new Map<string, number>(CATALOGUE.map((c) => [c.id, c.step]));

export interface TextOptions {
  colors: Colors;
  verbose?: boolean;
}

const SYMBOL: Record<Status, string> = { pass: '✔', fail: '✖', warn: '▲', unknown: '?', skip: '-' };

function paint(c: Colors, status: Status, s: string): string {
  switch (status) {
    case 'pass':
      return c.green(s);
    case 'fail':
      return c.red(s);
    case 'warn':
      return c.yellow(s);
    case 'unknown':
      return c.magenta(s);
    default:
      return c.dim(s);
  }
}

function verdictText(c: Colors, v: Verdict): string {
  const t = v.toUpperCase();
  return v === 'ok' ? c.green(t) : v === 'broken' ? c.red(c.bold(t)) : v === 'warn' ? c.yellow(t) : c.magenta(t);
}

export function subjectTitle(s: SubjectReport['subject']): string {
  const parts: string[] = [];
  if (s.pod) parts.push(`pod ${s.namespace}/${s.pod}`);
  else if (s.workload) parts.push(`${s.workload} in ${s.namespace} (pod template)`);
  else if (s.serviceAccount) parts.push(`service account ${s.namespace}/${s.serviceAccount}`);
  else if (s.roleArn) parts.push(`role ${s.roleArn}`);
  else parts.push('cluster');
  if ((s.pod || s.workload) && s.serviceAccount) parts.push(`sa ${s.serviceAccount}`);
  if (s.roleArn && (s.pod || s.workload || s.serviceAccount)) parts.push(`role ${s.roleArn}`);
  return parts.join(' · ');
}

function indentBlock(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

function renderFinding(f: Finding, o: TextOptions, out: string[], shownFixes: Map<string, string>): void {
  const c = o.colors;
  out.push(`    ${paint(c, f.status, SYMBOL[f.status])} ${c.dim(f.check)} ${f.message}`);
  if (f.status === 'pass' || f.status === 'skip') {
    if (o.verbose) for (const b of f.because) out.push(c.dim(`        ${b.field}: ${b.actual ?? ''}${b.source ? `  (${b.source})` : ''}`));
    return;
  }
  for (const b of f.because) {
    const exp = b.expected !== undefined ? `expected ${b.expected}` : '';
    const act = b.actual !== undefined ? `found ${b.actual}` : '';
    out.push(c.dim(`        ${b.field}: `) + [exp, act].filter(Boolean).join(', ') + (b.source ? c.dim(`  (${b.source})`) : ''));
  }
  if (f.settle) out.push(`        ${c.cyan('to settle:')} ${f.settle}`);
  if (f.fix) {
    const key = f.fix.commands.join('\n');
    const earlier = shownFixes.get(key);
    if (earlier) {
      out.push(`        ${c.cyan('fix:')} the same as ${earlier} above`);
    } else {
      shownFixes.set(key, f.check);
      out.push(`        ${c.cyan('fix:')} ${f.fix.summary}`);
      for (const cmd of f.fix.commands) out.push(indentBlock(cmd, '          '));
    }
  }
}

export function renderSubject(r: SubjectReport, o: TextOptions): string {
  const c = o.colors;
  const out: string[] = [];
  out.push(`${c.bold(subjectTitle(r.subject))}  ${verdictText(c, r.verdict)}`);
  const passed: string[] = [];
  const skipped: string[] = [];
  const shownFixes = new Map<string, string>();
  for (const step of STEP_ORDER) {
    const fs = r.findings.filter((f) => (stepOf.get(f.check) ?? 0) === step);
    const shown = fs.filter((f) => o.verbose || (f.status !== 'pass' && f.status !== 'skip'));
    for (const f of fs) {
      if (f.status === 'pass' && !o.verbose) passed.push(f.check);
      if (f.status === 'skip' && !o.verbose) skipped.push(f.check);
    }
    if (!shown.length) continue;
    out.push(`  ${c.dim(step ? `${step}.` : '·')} ${STEP_TITLES[step]}`);
    for (const f of shown) renderFinding(f, o, out, shownFixes);
  }
  if (passed.length) out.push(`  ${c.green(SYMBOL.pass)} ${c.dim(`passed: ${passed.sort().join(' ')}`)}`);
  if (skipped.length) out.push(`  ${c.dim(`${SYMBOL.skip} not applicable: ${skipped.sort().join(' ')} (--verbose shows why)`)}`);
  return out.join('\n');
}

/** The same findings for pods of one workload: shown once, with how many pods share them. */
function signature(r: SubjectReport): string {
  const s = r.subject;
  return JSON.stringify([s.namespace, s.serviceAccount, s.roleArn, r.verdict, r.findings.map((f) => [f.check, f.status, f.messageId, f.because.filter((b) => !/^pod|creationTimestamp/.test(b.field)).length])]);
}

export function renderText(report: Report, o: TextOptions): string {
  const c = o.colors;
  const groups: Array<{ first: SubjectReport; more: string[] }> = [];
  for (const s of report.subjects) {
    const last = groups[groups.length - 1];
    if (!o.verbose && last && s.subject.pod && last.first.subject.pod && signature(last.first) === signature(s)) last.more.push(s.subject.pod);
    else groups.push({ first: s, more: [] });
  }
  const blocks = groups.map((g) => {
    const text = renderSubject(g.first, o);
    if (!g.more.length) return text;
    const [head, ...rest] = text.split('\n');
    return [`${head}  ${c.dim(`(and ${g.more.length} more pod${g.more.length === 1 ? '' : 's'} with the same findings: ${g.more.join(', ')})`)}`, ...rest].join('\n');
  });
  const counts = new Map<Verdict, number>();
  for (const s of report.subjects) counts.set(s.verdict, (counts.get(s.verdict) ?? 0) + 1);
  const order: Verdict[] = ['broken', 'warn', 'unknown', 'ok'];
  const summary = order
    .filter((v) => counts.get(v))
    .map((v) => `${counts.get(v)} ${v}`)
    .join(', ');
  const tail: string[] = [];
  if (report.notes.length) tail.push(c.dim('notes:'), ...report.notes.map((n) => c.dim(`  - ${n}`)));
  tail.push(`${report.subjects.length} subject${report.subjects.length === 1 ? '' : 's'}: ${summary}`);
  return `${blocks.join('\n\n')}\n\n${tail.join('\n')}\n`;
}
