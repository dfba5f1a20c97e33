// The check contract (ESLint/typescript-eslint style): a check is one object with its metadata
// from the catalogue, a typed message catalogue, mandatory remediation text, and a pure `run`.
// A check reports exactly one finding per subject.

import { catalogueEntry, type CheckId, type Severity } from './catalogue.js';
import type { Evidence, Lookup } from '../evidence/model.js';
import type { SubjectEvidence } from '../evidence/join.js';

export type Status = 'pass' | 'fail' | 'warn' | 'unknown' | 'skip';

export interface Because {
  /** What was compared, e.g. `trustPolicy.Statement[0].Condition.StringEquals[...:sub]`. */
  field: string;
  expected?: string;
  actual?: string;
  /** Where the actual value came from (`pod.yaml:12`, `api:iam:GetRole`). */
  source?: string;
}

export interface Fix {
  summary: string;
  /** Copy-pasteable shell commands, in order. */
  commands: string[];
  /** A structured patch (e.g. the corrected trust policy), when one applies. */
  patch?: unknown;
}

export type Data = Record<string, string | number | boolean | undefined>;

export interface Finding {
  check: CheckId;
  slug: string;
  title: string;
  status: Status;
  severity: Severity;
  messageId: string;
  message: string;
  data: Data;
  because: Because[];
  fix?: Fix;
  /** For `unknown`: the command, file or permission that would settle it. */
  settle?: string;
}

/** What a check sees: one subject's evidence plus the whole evidence, and a per-subject memo. */
export interface CheckContext extends SubjectEvidence {
  readonly ev: Evidence;
  /** Shared derivations (trust evaluation, audience...) computed once per subject. */
  readonly memo: Map<string, unknown>;
}

export interface Extra {
  because?: Because[];
  fix?: Fix;
  settle?: string;
}

/** Messages every check has, so missing evidence and non-applicability read the same everywhere. */
const BUILTIN_MESSAGES = {
  evidenceMissing: 'Cannot tell: {{reason}}.',
  notApplicable: 'Not applicable: {{reason}}.',
} as const;
type BuiltinId = keyof typeof BUILTIN_MESSAGES;

export interface Reporter<M extends string> {
  pass(id: M, data?: Data, extra?: Extra): void;
  fail(id: M, data?: Data, extra?: Extra): void;
  warn(id: M, data?: Data, extra?: Extra): void;
  unknown(id: M | BuiltinId, data?: Data, extra?: Extra): void;
  skip(id: M | BuiltinId, data?: Data, extra?: Extra): void;
  /** `unknown` from a Lookup that is unknown: its reason and what settles it. */
  missing(lookup: Extract<Lookup<unknown>, { state: 'unknown' }>, what?: string): void;
  /** `skip` with a reason. */
  notApplicable(reason: string): void;
}

export interface CheckDefinition<M extends string> {
  id: CheckId;
  messages: Record<M, string>;
  /** Static remediation, shown when no concrete fix can be computed. Mandatory. */
  remediation: string;
  /** Evidence the check reads, for docs and `--verbose`. */
  requires: string[];
  run(ctx: CheckContext, report: Reporter<M>): void;
}

export interface Check {
  readonly id: CheckId;
  readonly slug: string;
  readonly title: string;
  readonly severity: Severity;
  readonly remediation: string;
  readonly requires: readonly string[];
  readonly messages: Readonly<Record<string, string>>;
  /** Runs the check; a throw becomes an IRSA901 finding (see runner.ts). */
  evaluate(ctx: CheckContext): Finding;
}

/** A template split once: literal text at even indexes, placeholder names at odd ones. */
const compiledTemplates = new Map<string, string[]>();

export function formatMessage(template: string, data: Data): string {
  let parts = compiledTemplates.get(template);
  if (!parts) {
    parts = template.split(/\{\{\s*(\w+)\s*\}\}/);
    if (compiledTemplates.size < 10_000) compiledTemplates.set(template, parts);
  }
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) {
    const k = parts[i]!;
    const v = data[k];
    out += (v === undefined ? `{{${k}}}` : String(v)) + parts[i + 1]!;
  }
  return out;
}

export class CheckContractError extends Error {
  override name = 'CheckContractError';
}

/** The Reporter one evaluation of one check gets: it keeps the one finding reported. */
class FindingReporter implements Reporter<string> {
  result: Finding | undefined;

  constructor(
    private readonly id: CheckId,
    private readonly meta: ReturnType<typeof catalogueEntry>,
    private readonly messages: Readonly<Record<string, string>>,
  ) {}

  private emit(status: Status, messageId: string, data: Data = {}, extra: Extra = {}): void {
    if (this.result) throw new CheckContractError(`${this.id} reported twice (${this.result.messageId}, then ${messageId})`);
    const template = this.messages[messageId];
    if (template === undefined) throw new CheckContractError(`${this.id} has no message ${messageId}`);
    const result: Finding = {
      check: this.id,
      slug: this.meta.slug,
      title: this.meta.title,
      status,
      severity: status === 'warn' ? 'warning' : this.meta.severity,
      messageId,
      message: formatMessage(template, data),
      data,
      because: extra.because ?? [],
    };
    if (extra.fix) result.fix = extra.fix;
    if (extra.settle) result.settle = extra.settle;
    this.result = result;
  }

  pass(id: string, data?: Data, extra?: Extra): void {
    this.emit('pass', id, data, extra);
  }
  fail(id: string, data?: Data, extra?: Extra): void {
    this.emit('fail', id, data, extra);
  }
  warn(id: string, data?: Data, extra?: Extra): void {
    this.emit('warn', id, data, extra);
  }
  unknown(id: string, data?: Data, extra?: Extra): void {
    this.emit('unknown', id, data, extra);
  }
  skip(id: string, data?: Data, extra?: Extra): void {
    this.emit('skip', id, data, extra);
  }
  missing(lookup: Extract<Lookup<unknown>, { state: 'unknown' }>, what?: string): void {
    this.emit('unknown', 'evidenceMissing', { reason: what ? `${what}: ${lookup.reason}` : lookup.reason }, { settle: lookup.settle });
  }
  notApplicable(reason: string): void {
    this.emit('skip', 'notApplicable', { reason });
  }
}

export function defineCheck<M extends string>(def: CheckDefinition<M>): Check {
  const meta = catalogueEntry(def.id);
  const messages: Record<string, string> = { ...BUILTIN_MESSAGES, ...def.messages };
  if (!def.remediation.trim()) throw new CheckContractError(`${def.id} has no remediation`);
  return {
    id: def.id,
    slug: meta.slug,
    title: meta.title,
    severity: meta.severity,
    remediation: def.remediation,
    requires: def.requires,
    messages,
    evaluate(ctx) {
      const report = new FindingReporter(def.id, meta, messages);
      def.run(ctx, report as Reporter<string> as Reporter<M>);
      if (!report.result) throw new CheckContractError(`${def.id} reported nothing`);
      return report.result;
    },
  };
}
