// Short human lines for an evaluation. The data (PolicyEvaluation / IdentityEvaluation) is the
// contract; these lines are a rendering of it for reports and the CLI.

import type { ConditionEvaluation, ConditionHint } from './condition.js';
import type { IdentityEvaluation, PolicyEvaluation, StatementEvaluation } from './evaluate.js';

function hintText(h: ConditionHint): string {
  switch (h.kind) {
    case 'schemeInKey':
      return `the key must not include "https://": the request has ${h.requestKey}`;
    case 'similarKey':
      return `the request has a similar key ${h.requestKey} (check the issuer host in the key)`;
    case 'valueOfOtherKey':
      return `${JSON.stringify(h.value)} is the value of ${h.otherKey} (are two keys swapped?)`;
    case 'wildcardNeedsLike':
      return `"*" and "?" are literal under this operator; use ${h.suggestedOperator}`;
  }
}

function conditionLine(c: ConditionEvaluation): string {
  const hints = c.hints.map(hintText);
  return `condition ${c.explain}${hints.length > 0 ? ` (${hints.join('; ')})` : ''}`;
}

function statementLines(s: StatementEvaluation): string[] {
  if (!s.valid || s.applies) return [s.explain];
  const name = `statement ${s.index}${s.sid ? ` (Sid ${s.sid})` : ''}`;
  const parts: string[] = [];
  if (s.principal && !s.principal.matched) parts.push(s.principal.explain);
  if (s.action && !s.action.matched) parts.push(s.action.explain);
  if (s.resource && !s.resource.matched) parts.push(s.resource.explain);
  for (const c of s.conditions) if (!c.matched) parts.push(conditionLine(c));
  return [`${name} (${s.effect ?? 'no Effect'}) does not apply: ${parts.join('; ')}`];
}

function decisionLine(e: PolicyEvaluation): string {
  const what = `${e.action}${e.principal ? ` by ${e.principal.type} ${e.principal.id}` : ''}${e.resource !== undefined ? ` on ${e.resource}` : ''}`;
  switch (e.decision) {
    case 'allow':
      return `allowed: ${what} (statement ${e.deciding.join(', ')})`;
    case 'explicitDeny':
      return `explicitly denied: ${what} (Deny statement ${e.deciding.join(', ')} wins over any Allow)`;
    case 'implicitDeny':
      return e.statements.length === 0 ? `implicitly denied: ${what} (the policy has no statements)` : `implicitly denied: no statement allows ${what}`;
  }
}

function policyLines(e: PolicyEvaluation, indent = '', label = e.where): string[] {
  const lines = [`${indent}${label ? `${label}: ` : ''}${decisionLine(e)}`];
  for (const s of e.statements) for (const l of statementLines(s)) lines.push(`${indent}  ${l}`);
  for (const p of e.problems) if (p.severity === 'error') lines.push(`${indent}  problem ${p.code}${p.path ? ` at ${p.path}` : ''}: ${p.detail}`);
  return lines;
}

/** Human lines for a single-policy or identity-set evaluation. */
export function explainEvaluation(result: PolicyEvaluation | IdentityEvaluation): string[] {
  if (result.kind !== 'identitySet') return policyLines(result);
  const what = `${result.action}${result.resource !== undefined ? ` on ${result.resource}` : ''}`;
  const head = ((): string => {
    switch (result.reason) {
      case 'allowedByPolicy':
        return `allowed: ${what} by ${result.deciding.map((d) => `${d.policy} statement ${d.statement}${d.sid ? ` (Sid ${d.sid})` : ''}`).join(', ')}`;
      case 'deniedByPolicy':
        return `explicitly denied: ${what} by ${result.deciding.map((d) => `${d.policy} statement ${d.statement}`).join(', ')}`;
      case 'deniedByBoundary':
        return `explicitly denied: ${what} by the permissions boundary (statement ${result.deciding.map((d) => d.statement).join(', ')})`;
      case 'boundaryDoesNotAllow':
        return `implicitly denied: the identity policies allow ${what}, but the permissions boundary does not`;
      case 'noPolicyAllows':
        return `implicitly denied: no identity policy allows ${what}`;
      case 'noPolicies':
        return `implicitly denied: the role has no identity policies, so nothing allows ${what}`;
    }
  })();
  const lines = [head];
  for (const p of result.policies) lines.push(...policyLines(p.evaluation, '  ', p.name));
  if (result.boundary) lines.push(...policyLines(result.boundary, '  ', 'permissions boundary'));
  return lines;
}
