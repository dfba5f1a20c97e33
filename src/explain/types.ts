// Types of the error catalogue behind `irsa-doctor explain`.
//
// The catalogue (catalogue.ts) is data: what an error means, which checks settle each likely
// cause, what to collect. Recognising an error in pasted text is code (detectors.ts), kept apart
// so the data stays reviewable on its own and a test can hold every entry to existing check ids.

import type { CheckId } from '../checks/catalogue.js';

/** One entry of `explain`'s answer. The JSON contract is `{ id, title, causes: [{ check, why }] }`; the rest is extra. */
export interface ExplainMatch {
  /** Stable kebab id of the catalogue entry, e.g. `sts-no-oidc-provider`. */
  readonly id: string;
  readonly title: string;
  /** What the error means, with the values found in the text filled in. */
  readonly meaning: string;
  /** The matched text (escapes undone, whitespace collapsed), at most ~300 characters. */
  readonly excerpt: string;
  /** Values read from the error and its surroundings (issuer, account, role, times...), plus values derived from them. */
  readonly extracted: Record<string, string>;
  /** Likely causes, most likely first, each with the check that settles it. */
  readonly causes: ReadonlyArray<{ readonly check: CheckId; readonly why: string }>;
  /** Evidence to collect: exact commands, with the extracted values filled in (placeholders like `<NAMESPACE>` otherwise). */
  readonly collect: readonly string[];
  /** Which mechanism the error belongs to. Pod Identity entries name IRSA checks until PID0xx checks exist. */
  readonly scope: Scope;
  /** How many times the same error (same id, same identifying values) occurs in the text. */
  readonly count: number;
  /** Offsets of the first occurrence in the original text (UTF-16 code units, end exclusive). */
  readonly start: number;
  readonly end: number;
  /** Where the wording of this error comes from (spec section, SDK source, issue thread). */
  readonly sources: readonly string[];
}

export interface ExplainOptions {
  /** The role the pod should run as (the service account's `eks.amazonaws.com/role-arn`). Settles "node role or IRSA role?". */
  readonly expectedRoleArn?: string;
  /** Optional names used to fill the evidence commands; nothing is inferred from them. */
  readonly namespace?: string;
  readonly serviceAccount?: string;
  readonly pod?: string;
  readonly cluster?: string;
}

export type Scope = 'irsa' | 'pod-identity' | 'any';

/** A condition on the values of a match; used to pick causes and reorder them. Data, so the catalogue stays data. */
export type Condition =
  | { readonly key: string; readonly present: boolean }
  | { readonly key: string; readonly oneOf: readonly string[] }
  | { readonly key: string; readonly atLeast: number }
  | { readonly key: string; readonly below: number };

export interface CauseSpec {
  readonly check: CheckId;
  /** Template: `{{key}}` is replaced by the value (or a `<PLACEHOLDER>`); `[[...]]` is kept only when every key inside has a value. */
  readonly why: string;
  /** The cause is listed only when this holds. */
  readonly onlyWhen?: Condition;
}

export interface CollectSpec {
  readonly cmd: string;
  readonly onlyWhen?: Condition;
}

export interface ErrorEntry {
  readonly id: string;
  readonly title: string;
  /** Template, see CauseSpec.why. */
  readonly meaning: string;
  readonly scope: Scope;
  /** Likely causes in their default order. */
  readonly causes: readonly CauseSpec[];
  /** The first rule whose condition holds moves its checks to the front, in that order. */
  readonly reorder?: ReadonlyArray<{ readonly when: Condition; readonly first: readonly CheckId[] }>;
  readonly collect: ReadonlyArray<string | CollectSpec>;
  /** More specific than these entries: a match of this entry removes their matches within `within` characters (same paragraph). */
  readonly supersedes?: { readonly ids: readonly string[]; readonly within: number };
  /** Where the wording comes from: spec sections, SDK source files, issue threads. */
  readonly sources: readonly string[];
}
