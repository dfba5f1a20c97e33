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

export function formatMessage(template: string, data: Data): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => {
    const v = data[k];
    return v === undefined ? `{{${k}}}` : String(v);
  });
}

export class CheckContractError extends Error {
  override name = 'CheckContractError';
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
      let result: Finding | undefined;
      const emit = (status: Status) => (messageId: string, data: Data = {}, extra: Extra = {}) => {
        if (result) throw new CheckContractError(`${def.id} reported twice (${result.messageId}, then ${messageId})`);
        const template = messages[messageId];
        if (template === undefined) throw new CheckContractError(`${def.id} has no message ${messageId}`);
        result = {
          check: def.id,
          slug: meta.slug,
          title: meta.title,
          status,
          severity: status === 'warn' ? 'warning' : meta.severity,
          messageId,
          message: formatMessage(template, data),
          data,
          because: extra.because ?? [],
        };
        if (extra.fix) result.fix = extra.fix;
        if (extra.settle) result.settle = extra.settle;
      };
      const report: Reporter<M> = {
        pass: emit('pass'),
        fail: emit('fail'),
        warn: emit('warn'),
        unknown: emit('unknown'),
        skip: emit('skip'),
        missing(lookup, what) {
          emit('unknown')('evidenceMissing', { reason: what ? `${what}: ${lookup.reason}` : lookup.reason }, { settle: lookup.settle });
        },
        notApplicable(reason) {
          emit('skip')('notApplicable', { reason });
        },
      };
      def.run(ctx, report);
      if (!result) throw new CheckContractError(`${def.id} reported nothing`);
      return result;
    },
  };
}
