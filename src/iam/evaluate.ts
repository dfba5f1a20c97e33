// Policy evaluation with IAM semantics and the explanation carried as data.
//
// A statement applies when its principal part (trust policies only), action part, resource part
// (identity policies only) and every condition match. The policy decision: any applying Deny ->
// `explicitDeny`; else any applying Allow -> `allow`; else `implicitDeny` (IAM User Guide, policy
// evaluation logic). Statements IAM would refuse to store (no Effect, Principal in an identity
// policy, Resource in a trust policy, ...) never apply, and the reason is reported.
//
// Matching rules:
// - Action/NotAction: `*` and `?` wildcards, case-insensitive (service prefix and action name).
// - Resource/NotResource: case-sensitive wildcards; an ARN pattern is matched component by component
//   (a `*` does not cross the first five colons), policy variables only in the resource part.
// - Principal/NotPrincipal: `"*"` and `{"AWS": "*"}` match every principal; AWS account IDs and
//   `arn:...:root` match every principal of that account; a role ARN also matches sessions of that
//   role (`arn:...:sts::<acct>:assumed-role/<name>/<session>`); other values match exactly.

import { isAccountId, parseArn, splitArnComponents } from './arn.js';
import { evaluateCondition, type ConditionEvaluation, type MultiValueMode } from './condition.js';
import { indexContext, type ContextIndex, type ContextValue } from './context.js';
import { nearMissIssuer, parseProviderArn, type IssuerNearMiss } from './issuer.js';
import {
  isParsedPolicy,
  parsePolicyDocument,
  type Effect,
  type ParsedPolicy,
  type PolicyProblem,
  type PolicyStatement,
  type PrincipalElement,
  type PrincipalType,
} from './policy.js';
import { substituteVariables } from './variables.js';
import { wildcardMatch, type Pattern } from './wildcard.js';
import { arnLike } from './conditions/arn.js';

export type { ConditionEvaluation, ConditionHint, ConditionReason, MultiValueMode } from './condition.js';
export type { ContextValue } from './context.js';

export interface RequestPrincipal {
  readonly type: PrincipalType;
  /** Provider ARN (Federated), principal ARN or account ID (AWS), service principal (Service). */
  readonly id: string;
}

export interface Request {
  readonly principal?: RequestPrincipal;
  readonly action: string;
  readonly resource?: string;
  readonly context: Readonly<Record<string, ContextValue>>;
}

export type PolicyKind = 'trust' | 'identity';
export type Decision = 'allow' | 'explicitDeny' | 'implicitDeny';

export interface EvaluateOptions {
  readonly kind: PolicyKind;
  /**
   * A plain (unqualified) operator on a key with several values: `anyValue` (default) or
   * `noMatch`. AWS does not document this case; see condition.ts.
   */
  readonly multiValue?: MultiValueMode;
}

export type ElementName = 'Principal' | 'NotPrincipal' | 'Action' | 'NotAction' | 'Resource' | 'NotResource';

export interface ElementEvaluation {
  readonly element: ElementName;
  /** Whether this element lets the statement apply (for Not* elements: the value is NOT listed). */
  readonly matched: boolean;
  /** The policy's values for this element. */
  readonly expected: readonly string[];
  /** The request's value (`Federated arn:...` for principals). */
  readonly actual?: string;
  /** The policy value that matched the request, if any. */
  readonly matchedValue?: string;
  readonly explain: string;
  /** Federated principals that miss: how the closest listed provider differs from the request's. */
  readonly nearMiss?: IssuerNearMiss;
}

export interface StatementEvaluation {
  readonly index: number;
  readonly sid?: string;
  readonly effect?: Effect;
  /** False when IAM would refuse the statement; it then never applies. */
  readonly valid: boolean;
  readonly applies: boolean;
  /** Trust policies only. */
  readonly principal?: ElementEvaluation;
  readonly action?: ElementEvaluation;
  /** Identity policies only. */
  readonly resource?: ElementEvaluation;
  readonly conditions: readonly ConditionEvaluation[];
  /** One sentence: why the statement applies or not. */
  readonly explain: string;
}

export interface PolicyEvaluation {
  readonly kind: PolicyKind;
  readonly decision: Decision;
  /** Indexes of the statements that decided: applying Denies, else applying Allows, else none. */
  readonly deciding: readonly number[];
  readonly statements: readonly StatementEvaluation[];
  /** Structural problems of the document plus problems found while evaluating it. */
  readonly problems: readonly PolicyProblem[];
  readonly action: string;
  readonly principal?: RequestPrincipal;
  readonly resource?: string;
  readonly where?: string;
}

// ---------------------------------------------------------------------------------------------
// Elements

function matchAwsPrincipal(value: string, id: string): boolean {
  if (value === '*' || value === id) return true;
  const rootAccount = isAccountId(value) ? value : /^arn:[^:]+:iam::(\d{12}):root$/.exec(value)?.[1];
  if (rootAccount !== undefined) {
    if (isAccountId(id)) return id === rootAccount;
    const a = parseArn(id);
    return a.ok && a.arn.account === rootAccount;
  }
  const role = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(value);
  if (role) {
    const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(id);
    return session !== null && session[1] === role[1] && session[2] === role[2] && session[3] === role[3];
  }
  return false;
}

function principalMatch(el: PrincipalElement, p: RequestPrincipal | undefined): string | undefined {
  if (el.wildcard) return '*';
  if (el.AWS.includes('*')) return '*';
  if (!p) return undefined;
  const list = el[p.type];
  if (p.type === 'AWS') return list.find((v) => matchAwsPrincipal(v, p.id));
  return list.find((v) => v === p.id);
}

function principalValues(el: PrincipalElement): string[] {
  if (el.wildcard) return ['*'];
  const out: string[] = [];
  for (const t of ['AWS', 'Federated', 'Service', 'CanonicalUser'] as const) for (const v of el[t]) out.push(`${t} ${v}`);
  return out;
}

function bestNearMiss(el: PrincipalElement, p: RequestPrincipal): IssuerNearMiss | undefined {
  if (p.type !== 'Federated') return undefined;
  const req = parseProviderArn(p.id);
  if (!req.ok) return undefined;
  let best: IssuerNearMiss | undefined;
  const rank = (k: IssuerNearMiss['kind']): number => (k === 'unrelated' ? 0 : 1);
  for (const v of el.Federated) {
    const nm = nearMissIssuer(req.hostPath, v, { account: req.account, partition: req.partition });
    if (!best || rank(nm.kind) > rank(best.kind)) best = nm;
  }
  return best;
}

function evaluatePrincipal(st: PolicyStatement, p: RequestPrincipal | undefined): ElementEvaluation {
  const negated = st.notPrincipal !== undefined;
  const el = (st.notPrincipal ?? st.principal) as PrincipalElement;
  const element: ElementName = negated ? 'NotPrincipal' : 'Principal';
  const expected = principalValues(el);
  const actual = p ? `${p.type} ${p.id}` : undefined;
  const hit = principalMatch(el, p);
  const matched = negated ? hit === undefined : hit !== undefined;
  const base: { -readonly [K in keyof ElementEvaluation]: ElementEvaluation[K] } = { element, matched, expected, explain: '' };
  if (actual !== undefined) base.actual = actual;
  if (hit !== undefined) base.matchedValue = hit;
  const who = actual ?? 'an anonymous caller';
  if (negated) {
    base.explain = hit === undefined ? `NotPrincipal does not list ${who}` : `NotPrincipal lists ${who} (${hit}), so the statement does not apply to it`;
  } else if (hit !== undefined) {
    base.explain = hit === '*' ? `Principal "*" matches ${who}` : `Principal matches ${who}`;
  } else {
    const nm = p ? bestNearMiss(el, p) : undefined;
    if (nm) base.nearMiss = nm;
    base.explain = `Principal expected ${expected.length === 1 ? expected[0] : `one of [${expected.join(', ')}]`}, got ${who}${nm && nm.kind !== 'unrelated' ? ` (${nm.detail})` : ''}`;
  }
  return base;
}

function evaluateAction(st: PolicyStatement, action: string): ElementEvaluation {
  const negated = st.notAction !== undefined;
  const list = (st.notAction ?? st.action) as readonly string[];
  const element: ElementName = negated ? 'NotAction' : 'Action';
  const hit = list.find((a) => wildcardMatch(a, action, true));
  const matched = negated ? hit === undefined : hit !== undefined;
  const out: { -readonly [K in keyof ElementEvaluation]: ElementEvaluation[K] } = {
    element,
    matched,
    expected: list,
    actual: action,
    explain: negated
      ? hit === undefined
        ? `NotAction does not list ${action}`
        : `NotAction lists ${action} (${hit}), so the statement does not cover it`
      : hit !== undefined
        ? `Action ${hit} covers ${action}`
        : `Action expected ${list.length === 1 ? list[0] : `one of [${list.join(', ')}]`}, got ${action}`,
  };
  if (hit !== undefined) out.matchedValue = hit;
  return out;
}

function resourcePattern(pattern: string, context: ContextIndex, variablesEnabled: boolean): Pattern | { unresolved: string } {
  if (!variablesEnabled || !pattern.includes('${')) return { text: pattern, wild: null };
  const comps = splitArnComponents(pattern);
  // Variables are allowed only in the resource part of an ARN (after the fifth colon).
  const head = comps ? pattern.slice(0, pattern.length - comps[5].length) : '';
  const tail = comps ? comps[5] : pattern;
  const s = substituteVariables(tail, context, true);
  if (!s.ok) return { unresolved: s.variable };
  const wild = s.pattern.wild === null ? null : Uint8Array.from([...new Array<number>(head.length).fill(0), ...s.pattern.wild]);
  // Without a mask, every `*`/`?` in head is live, which is what we want.
  if (wild !== null) for (let i = 0; i < head.length; i++) if (head[i] === '*' || head[i] === '?') wild[i] = 1;
  return { text: head + s.pattern.text, wild };
}

function resourceMatches(p: Pattern, resource: string): boolean {
  if (p.text === '*') return true;
  const r = arnLike(p, resource);
  // Not an ARN pattern: IAM refuses such a Resource ("must be in ARN format or *"), parse reports it.
  return r ?? false;
}

function evaluateResource(
  st: PolicyStatement,
  resource: string | undefined,
  context: ContextIndex,
  variablesEnabled: boolean,
  problems: PolicyProblem[],
): ElementEvaluation {
  const negated = st.notResource !== undefined;
  const list = (st.notResource ?? st.resource) as readonly string[];
  const element: ElementName = negated ? 'NotResource' : 'Resource';
  const listed = list.length === 1 ? list[0] : `one of [${list.join(', ')}]`;
  if (resource === undefined) {
    const all = list.includes('*');
    const matched = negated ? false : all;
    return {
      element,
      matched,
      expected: list,
      explain: matched ? 'Resource "*" covers any resource' : `${element} ${listed} cannot be checked: the request names no resource`,
      ...(all && !negated ? { matchedValue: '*' } : {}),
    };
  }
  let hit: string | undefined;
  for (const r of list) {
    const p = resourcePattern(r, context, variablesEnabled);
    if ('unresolved' in p) {
      problems.push({ code: 'unresolvedVariable', severity: 'error', path: `Statement[${st.index}].${element}`, detail: `${p.unresolved} cannot be resolved`, statement: st.index });
      continue;
    }
    if (resourceMatches(p, resource)) {
      hit = r;
      break;
    }
  }
  const matched = negated ? hit === undefined : hit !== undefined;
  const out: { -readonly [K in keyof ElementEvaluation]: ElementEvaluation[K] } = {
    element,
    matched,
    expected: list,
    actual: resource,
    explain: negated
      ? hit === undefined
        ? `NotResource does not list ${resource}`
        : `NotResource lists ${resource} (${hit}), so the statement does not cover it`
      : hit !== undefined
        ? `Resource ${hit} covers ${resource}`
        : `Resource expected ${listed}, got ${resource}`,
  };
  if (hit !== undefined) out.matchedValue = hit;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Statements and policies

function describeStatement(st: PolicyStatement): string {
  return `statement ${st.index}${st.sid ? ` (Sid ${st.sid})` : ''}`;
}

/** A statement IAM would refuse: it never applies. */
function refusal(base: Pick<StatementEvaluation, 'index' | 'sid' | 'effect'>, name: string, why: string): StatementEvaluation {
  return { ...base, valid: false, applies: false, conditions: [], explain: `${name} never applies: ${why}` };
}

function evaluateStatement(
  st: PolicyStatement,
  policy: ParsedPolicy,
  request: Request,
  context: ContextIndex,
  options: Required<EvaluateOptions>,
  problems: PolicyProblem[],
): StatementEvaluation {
  const name = describeStatement(st);
  const base = { index: st.index, ...(st.sid !== undefined ? { sid: st.sid } : {}), ...(st.effect !== undefined ? { effect: st.effect } : {}) };

  if (!st.valid) {
    const own = policy.problems.filter((p) => p.statement === st.index && p.severity === 'error').map((p) => p.detail);
    return refusal(base, name, own.length > 0 ? own.join('; ') : 'IAM would refuse it');
  }
  const path = `Statement[${st.index}]`;
  const hasPrincipal = st.principal !== undefined || st.notPrincipal !== undefined;
  const hasResource = st.resource !== undefined || st.notResource !== undefined;
  if (options.kind === 'trust') {
    if (!hasPrincipal) {
      problems.push({ code: 'principalMissing', severity: 'error', path, detail: `${name} of a trust policy has no Principal`, statement: st.index });
      return refusal(base, name, 'a trust policy statement needs a Principal (IAM: "Missing required field Principal")');
    }
    if (hasResource) {
      problems.push({ code: 'resourceInTrustPolicy', severity: 'error', path: `${path}.Resource`, detail: `${name} of a trust policy has a Resource element`, statement: st.index });
      return refusal(base, name, 'a trust policy cannot have a Resource element (IAM: "Has prohibited field Resource")');
    }
  } else {
    if (hasPrincipal) {
      problems.push({ code: 'principalInIdentityPolicy', severity: 'error', path: `${path}.Principal`, detail: `${name} of an identity policy has a Principal element`, statement: st.index });
      return refusal(base, name, 'an identity policy cannot have a Principal element (IAM: "Policy document should not specify a principal")');
    }
    if (!hasResource) {
      problems.push({ code: 'resourceMissing', severity: 'error', path, detail: `${name} of an identity policy has no Resource`, statement: st.index });
      return refusal(base, name, 'an identity policy statement needs a Resource');
    }
  }

  const principal = options.kind === 'trust' ? evaluatePrincipal(st, request.principal) : undefined;
  const action = evaluateAction(st, request.action);
  const resource = options.kind === 'identity' ? evaluateResource(st, request.resource, context, policy.variablesEnabled, problems) : undefined;
  const conditions = st.conditions.map((c) =>
    evaluateCondition(c, context, { variablesEnabled: policy.variablesEnabled, multiValue: options.multiValue }, problems, st.index),
  );
  const failing: string[] = [];
  if (principal && !principal.matched) failing.push(principal.explain);
  if (!action.matched) failing.push(action.explain);
  if (resource && !resource.matched) failing.push(resource.explain);
  for (const c of conditions) if (!c.matched) failing.push(`condition ${c.explain}`);
  const applies = failing.length === 0;
  const verb = st.effect === 'Deny' ? 'denies' : 'allows';
  const explain = applies
    ? `${name} ${verb} ${request.action}${conditions.length > 0 ? ` (${conditions.length} condition${conditions.length > 1 ? 's' : ''} hold)` : ''}`
    : `${name} (${st.effect}) does not apply: ${failing.join('; ')}`;
  const out: { -readonly [K in keyof StatementEvaluation]: StatementEvaluation[K] } = { ...base, valid: true, applies, action, conditions, explain };
  if (principal) out.principal = principal;
  if (resource) out.resource = resource;
  return out;
}

function asPolicy(policy: ParsedPolicy | string | Readonly<Record<string, unknown>>, where?: string): ParsedPolicy {
  return isParsedPolicy(policy) ? policy : parsePolicyDocument(policy, where);
}

function dedupe(problems: PolicyProblem[]): PolicyProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.code}|${p.path}|${p.detail}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function evaluateIndexed(
  parsed: ParsedPolicy,
  request: Request,
  context: ContextIndex,
  options: EvaluateOptions,
): PolicyEvaluation {
  const opts: Required<EvaluateOptions> = { kind: options.kind, multiValue: options.multiValue ?? 'anyValue' };
  const problems: PolicyProblem[] = [...parsed.problems];
  const evalProblems: PolicyProblem[] = [];
  const statements = parsed.statements.map((st) => evaluateStatement(st, parsed, request, context, opts, evalProblems));
  for (const p of evalProblems) problems.push(parsed.where !== undefined ? { ...p, where: parsed.where } : p);
  const denies = statements.filter((s) => s.applies && s.effect === 'Deny').map((s) => s.index);
  const allows = statements.filter((s) => s.applies && s.effect === 'Allow').map((s) => s.index);
  const decision: Decision = denies.length > 0 ? 'explicitDeny' : allows.length > 0 ? 'allow' : 'implicitDeny';
  const out: { -readonly [K in keyof PolicyEvaluation]: PolicyEvaluation[K] } = {
    kind: opts.kind,
    decision,
    deciding: decision === 'explicitDeny' ? denies : decision === 'allow' ? allows : [],
    statements,
    problems: dedupe(problems),
    action: request.action,
  };
  if (request.principal) out.principal = request.principal;
  if (request.resource !== undefined) out.resource = request.resource;
  if (parsed.where !== undefined) out.where = parsed.where;
  return out;
}

/**
 * Evaluate one policy for one request. `policy` may be a parsed policy (parse once, evaluate many
 * times), a JSON/URL-encoded string or an object. Never throws on malformed input.
 */
export function evaluatePolicy(
  policy: ParsedPolicy | string | Readonly<Record<string, unknown>>,
  request: Request,
  options: EvaluateOptions,
): PolicyEvaluation {
  const parsed = asPolicy(policy);
  const safeRequest: Request = {
    ...request,
    action: typeof request?.action === 'string' ? request.action : '',
    context: request?.context ?? {},
  };
  return evaluateIndexed(parsed, safeRequest, indexContext(safeRequest.context), options);
}

// ---------------------------------------------------------------------------------------------
// Identity policies + permissions boundary

export interface NamedPolicy {
  readonly name: string;
  readonly document: ParsedPolicy | string | Readonly<Record<string, unknown>>;
}

export type IdentityReason = 'allowedByPolicy' | 'deniedByPolicy' | 'deniedByBoundary' | 'boundaryDoesNotAllow' | 'noPolicyAllows' | 'noPolicies';

export interface DecidingStatement {
  /** The policy's name, or `permissions boundary`. */
  readonly policy: string;
  readonly statement: number;
  readonly sid?: string;
  readonly effect?: Effect;
}

export interface IdentityEvaluation {
  readonly kind: 'identitySet';
  readonly decision: Decision;
  readonly reason: IdentityReason;
  readonly deciding: readonly DecidingStatement[];
  readonly policies: ReadonlyArray<{ readonly name: string; readonly evaluation: PolicyEvaluation }>;
  readonly boundary?: PolicyEvaluation;
  readonly action: string;
  readonly resource?: string;
}

function decidingOf(name: string, e: PolicyEvaluation): DecidingStatement[] {
  return e.deciding.map((i) => {
    const s = e.statements[i] as StatementEvaluation;
    return { policy: name, statement: i, ...(s.sid !== undefined ? { sid: s.sid } : {}), ...(s.effect !== undefined ? { effect: s.effect } : {}) };
  });
}

/**
 * Permission check for a role: allowed iff some identity statement allows, no identity or
 * boundary statement denies, and the permissions boundary (when there is one) allows too.
 */
export function evaluateIdentityPolicies(
  policies: readonly NamedPolicy[],
  boundary: ParsedPolicy | string | Readonly<Record<string, unknown>> | undefined,
  request: Omit<Request, 'principal'> & { readonly principal?: RequestPrincipal },
  options: Omit<EvaluateOptions, 'kind'> = {},
): IdentityEvaluation {
  const safeRequest: Request = { ...request, action: typeof request?.action === 'string' ? request.action : '', context: request?.context ?? {} };
  const context = indexContext(safeRequest.context);
  const opts: EvaluateOptions = { ...options, kind: 'identity' };
  const evaluated = (policies ?? []).map((p) => ({ name: p.name, evaluation: evaluateIndexed(asPolicy(p.document, p.name), safeRequest, context, opts) }));
  const boundaryEval = boundary === undefined ? undefined : evaluateIndexed(asPolicy(boundary, 'permissions boundary'), safeRequest, context, opts);
  const base = {
    kind: 'identitySet' as const,
    policies: evaluated,
    action: safeRequest.action,
    ...(boundaryEval ? { boundary: boundaryEval } : {}),
    ...(safeRequest.resource !== undefined ? { resource: safeRequest.resource } : {}),
  };
  const denied = evaluated.filter((p) => p.evaluation.decision === 'explicitDeny');
  if (denied.length > 0) {
    return { ...base, decision: 'explicitDeny', reason: 'deniedByPolicy', deciding: denied.flatMap((p) => decidingOf(p.name, p.evaluation)) };
  }
  if (boundaryEval?.decision === 'explicitDeny') {
    return { ...base, decision: 'explicitDeny', reason: 'deniedByBoundary', deciding: decidingOf('permissions boundary', boundaryEval) };
  }
  const allowed = evaluated.filter((p) => p.evaluation.decision === 'allow');
  if (allowed.length === 0) {
    return { ...base, decision: 'implicitDeny', reason: evaluated.length === 0 ? 'noPolicies' : 'noPolicyAllows', deciding: [] };
  }
  if (boundaryEval && boundaryEval.decision !== 'allow') {
    return { ...base, decision: 'implicitDeny', reason: 'boundaryDoesNotAllow', deciding: [] };
  }
  return { ...base, decision: 'allow', reason: 'allowedByPolicy', deciding: allowed.flatMap((p) => decidingOf(p.name, p.evaluation)) };
}
