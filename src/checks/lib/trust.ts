// The role's trust policy evaluated for this subject's AssumeRoleWithWebIdentity request, once
// per subject, and its minimal repair. IRSA103-IRSA107 and IRSA401 read the same evaluation so
// they can never disagree about the document.

import type { CheckContext } from '../define.js';
import type { PolicyDocument } from '../../evidence/facts.js';
import { evaluatePolicy, type PolicyEvaluation, type Request, type StatementEvaluation } from '../../iam/evaluate.js';
import { parsePolicyDocument, type ParsedPolicy } from '../../iam/policy.js';
import { wildcardMatch } from '../../iam/wildcard.js';
import { audienceOf, issuerOf, memo, providerFor, roleArnOf, shared } from './subject.js';
import { providerArn as buildProviderArn } from '../../iam/issuer.js';
import { writeJsonCommand } from './fixes.js';

export const WEB_IDENTITY_ACTION = 'sts:AssumeRoleWithWebIdentity';

export interface TrustInputs {
  providerArn: string;
  hostPath: string;
  /** Undefined when the subject has no service account (role-only evidence). */
  sub?: string;
  aud: string;
  roleName: string;
  document: PolicyDocument;
  source?: string;
}

export type TrustAnalysis =
  | { state: 'ok'; inputs: TrustInputs; parsed: ParsedPolicy; evaluation: PolicyEvaluation }
  | { state: 'unknown'; reason: string; settle: string }
  | { state: 'na'; reason: string };

export function requestFor(inputs: Pick<TrustInputs, 'providerArn' | 'hostPath'>, sub: string | undefined, aud: readonly string[]): Request {
  const context: Record<string, string | string[]> = { 'aws:FederatedProvider': inputs.providerArn };
  if (sub !== undefined) context[`${inputs.hostPath}:sub`] = sub;
  if (aud.length) context[`${inputs.hostPath}:aud`] = aud.length === 1 ? aud[0]! : [...aud];
  return { principal: { type: 'Federated', id: inputs.providerArn }, action: WEB_IDENTITY_ACTION, context };
}

export function trustAnalysis(ctx: CheckContext): TrustAnalysis {
  return memo(ctx, 'trust', (): TrustAnalysis => {
    if (!ctx.roleArn) return { state: 'na', reason: 'no role ARN is set (IRSA202)' };
    const role = ctx.role;
    if (role.state === 'unknown') return { state: 'unknown', reason: role.reason, settle: role.settle };
    if (role.state === 'notFound') return { state: 'na', reason: 'the role does not exist (IRSA102)' };
    const tp = role.value.trustPolicy;
    if (tp.state !== 'found') return tp.state === 'unknown' ? { state: 'unknown', reason: tp.reason, settle: tp.settle } : { state: 'na', reason: 'no trust policy' };
    const iss = issuerOf(ctx);
    if (!iss) {
      const c = ctx.ev.cluster;
      return c.state === 'unknown' ? { state: 'unknown', reason: "the cluster's issuer is not known", settle: c.settle } : { state: 'na', reason: 'the cluster has no usable issuer (IRSA001)' };
    }
    const parsedRole = roleArnOf(ctx);
    const prov = providerFor(ctx);
    const providerArn =
      prov.state === 'found' ? (prov.provider.arn ?? prov.expectedArn) : (prov.expectedArn ?? buildProviderArn(role.value.partition, role.value.account, iss.issuer.hostPath));
    const ref = ctx.serviceAccountRef;
    const inputs: TrustInputs = {
      providerArn,
      hostPath: iss.issuer.hostPath,
      aud: audienceOf(ctx).value,
      roleName: parsedRole?.name ?? role.value.name,
      document: tp.value,
    };
    if (ref) inputs.sub = `system:serviceaccount:${ref.namespace}:${ref.name}`;
    const s = tp.sources[0];
    if (s) inputs.source = s.line ? `${s.path}:${s.line}` : s.path;
    // The role (and so its document) is the evidence's entry for its ARN: subjects that send the
    // same request to the same role share one parse and one evaluation (read-only).
    const key = `trust:${JSON.stringify([role.value.arn, inputs.providerArn, inputs.hostPath, inputs.aud, inputs.roleName, inputs.sub ?? null, inputs.source ?? null])}`;
    const same = ctx.ev.roles.get(role.value.arn) === role;
    const analyse = (): TrustAnalysis => {
      const parsed = parsedTrust(ctx, role.value.arn, tp.value, `trust policy of ${role.value.name}`, same);
      const evaluation = evaluatePolicy(parsed, requestFor(inputs, inputs.sub, [inputs.aud]), { kind: 'trust' });
      return { state: 'ok', inputs, parsed, evaluation };
    };
    return same ? shared(ctx.ev, key, analyse) : analyse();
  });
}

/** A role's trust policy parsed once per diagnosis (when the role is the evidence's own entry). */
function parsedTrust(ctx: CheckContext, arn: string, doc: PolicyDocument, label: string, shareable: boolean): ParsedPolicy {
  const parse = () => parsePolicyDocument(doc, label);
  return shareable ? shared(ctx.ev, `trustParsed:${JSON.stringify([arn, label])}`, parse) : parse();
}

/** Allow statements, in order, that pass a predicate. */
export function allows(e: PolicyEvaluation, pred: (s: StatementEvaluation) => boolean): StatementEvaluation[] {
  return e.statements.filter((s) => s.valid && s.effect === 'Allow' && pred(s));
}

export const principalOk = (s: StatementEvaluation) => s.principal?.matched === true;
export const actionOk = (s: StatementEvaluation) => s.action?.matched === true;

/** Condition evaluations on `<anything>:<claim>` keys. */
export function claimConditions(s: StatementEvaluation, claim: 'sub' | 'aud') {
  return s.conditions.filter((c) => c.key.toLowerCase().endsWith(`:${claim}`));
}

/** Every `:sub` value the trust policy names, for guessing which service account was meant. */
export function trustedSubjects(ctx: CheckContext): string[] {
  const t = trustAnalysis(ctx);
  if (t.state !== 'ok') return [];
  // Only positive operators name who is admitted (StringNotEquals names who is not).
  return t.parsed.statements.flatMap((s) =>
    s.effect === 'Allow' ? s.conditions.filter((c) => c.key.toLowerCase().endsWith(':sub') && !/not/i.test(c.operator)).flatMap((c) => c.values) : [],
  );
}

/** Whether the trust policy admits a token with these claims (IRSA401). */
export function trustAllowsClaims(ctx: CheckContext, sub: string | undefined, aud: readonly string[]): { allowed: boolean; why: string } | undefined {
  const t = trustAnalysis(ctx);
  if (t.state !== 'ok') return undefined;
  const e = evaluatePolicy(t.parsed, requestFor(t.inputs, sub, aud), { kind: 'trust' });
  if (e.decision === 'allow') return { allowed: true, why: 'allowed' };
  return { allowed: false, why: describeDenial(e) };
}

export function describeDenial(e: PolicyEvaluation): string {
  if (e.decision === 'explicitDeny') {
    const s = e.statements[e.deciding[0] ?? 0];
    return `statement ${s?.index}${s?.sid ? ` (${s.sid})` : ''} denies: ${s?.explain ?? ''}`;
  }
  const close = allows(e, principalOk)[0] ?? allows(e, () => true)[0];
  if (!close) return 'no Allow statement';
  const failing = [close.principal, close.action, ...close.conditions].filter((p) => p && !p.matched).map((p) => p!.explain);
  return `statement ${close.index}${close.sid ? ` (${close.sid})` : ''}: ${failing.join('; ') || close.explain}`;
}

// ------------------------------------------------------------------------------------------------
// Repair: the smallest edit of the document that lets this subject in, verified by evaluation.

export interface Repair {
  document: PolicyDocument;
  edits: string[];
  /** True when the repaired document allows the request (re-evaluated). */
  verified: boolean;
}

type Json = Record<string, unknown>;
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

function matchesAction(v: unknown): boolean {
  return asList(v).some((a) => typeof a === 'string' && wildcardMatch(a, WEB_IDENTITY_ACTION, true));
}

export function repairTrust(ctx: CheckContext): Repair | undefined {
  return memo(ctx, 'trustRepair', () => {
    const t = trustAnalysis(ctx);
    if (t.state !== 'ok' || !t.inputs.sub) return undefined;
    const { providerArn, hostPath, sub, aud } = t.inputs;
    const doc = structuredClone(t.inputs.document) as Json;
    const edits: string[] = [];
    const statements = asList(doc['Statement']).filter((s): s is Json => !!s && typeof s === 'object');
    doc['Statement'] = statements;
    const fed = (s: Json): string[] => asList((s['Principal'] as Json | undefined)?.['Federated']).filter((x): x is string => typeof x === 'string');
    const allow = statements.filter((s) => s['Effect'] === 'Allow');
    let st =
      allow.find((s) => fed(s).includes(providerArn) && matchesAction(s['Action'])) ??
      allow.find((s) => fed(s).includes(providerArn)) ??
      allow.find((s) => fed(s).some((f) => f.includes(':oidc-provider/')) && matchesAction(s['Action'])) ??
      allow.find((s) => fed(s).length > 0);
    if (!st) {
      st = { Effect: 'Allow', Principal: { Federated: providerArn }, Action: WEB_IDENTITY_ACTION, Condition: { StringEquals: { [`${hostPath}:sub`]: sub, [`${hostPath}:aud`]: aud } } };
      statements.push(st);
      edits.push(`add a statement allowing ${providerArn} to call ${WEB_IDENTITY_ACTION} for ${sub}`);
    } else {
      const idx = statements.indexOf(st);
      const f = fed(st);
      if (!f.includes(providerArn)) {
        const oidc = f.filter((x) => x.includes(':oidc-provider/'));
        const kept = f.filter((x) => !oidc.includes(x));
        (st['Principal'] as Json)['Federated'] = kept.length ? [...kept, providerArn] : providerArn;
        edits.push(`Statement[${idx}] Principal.Federated: ${oidc.join(', ') || '(none)'} -> ${providerArn}`);
      }
      if (!matchesAction(st['Action'])) {
        const before = JSON.stringify(st['Action'] ?? null);
        st['Action'] = WEB_IDENTITY_ACTION;
        delete st['NotAction'];
        edits.push(`Statement[${idx}] Action: ${before} -> "${WEB_IDENTITY_ACTION}"`);
      }
      const cond = (st['Condition'] ??= {}) as Json;
      // 1. keys: wrong prefix (https://, old issuer, host typo) -> this issuer's host/path.
      for (const [op, block] of Object.entries(cond)) {
        if (!block || typeof block !== 'object') continue;
        const b = block as Json;
        for (const key of Object.keys(b)) {
          const m = /^(.*):(sub|aud)$/i.exec(key);
          if (!m) continue;
          const want = `${hostPath}:${m[2]!.toLowerCase()}`;
          if (key !== want && (m[1]!.includes('oidc') || m[1]!.startsWith('https://') || m[1]!.replace(/^https:\/\//, '') !== hostPath)) {
            b[want] = b[key];
            delete b[key];
            edits.push(`Statement[${idx}] Condition.${op}: key ${key} -> ${want}`);
          }
        }
      }
      // 2. swapped values: a service-account subject under :aud and an audience under :sub.
      for (const [op, block] of Object.entries(cond)) {
        const b = block as Json;
        const subV = asList(b?.[`${hostPath}:sub`]);
        const audV = asList(b?.[`${hostPath}:aud`]);
        const audLooksSub = audV.some((v) => typeof v === 'string' && v.startsWith('system:serviceaccount:'));
        const subLooksAud = subV.length === 0 || subV.every((v) => typeof v === 'string' && !v.startsWith('system:'));
        if (audLooksSub && subLooksAud) {
          const a = b[`${hostPath}:aud`];
          const s = b[`${hostPath}:sub`];
          b[`${hostPath}:sub`] = a;
          if (s === undefined) delete b[`${hostPath}:aud`];
          else b[`${hostPath}:aud`] = s;
          edits.push(`Statement[${idx}] Condition.${op}: swap the :sub and :aud values`);
        }
      }
      // 3. sub: '*' under an exact operator -> StringLike; value not admitted -> add ours.
      const subKey = `${hostPath}:sub`;
      const audKey = `${hostPath}:aud`;
      for (const op of Object.keys(cond)) {
        const b = cond[op] as Json;
        if (!b || !(subKey in b)) continue;
        const vals = asList(b[subKey]).filter((v): v is string => typeof v === 'string');
        if (/^StringEquals$/i.test(op) && vals.some((v) => v.includes('*') || v.includes('?'))) {
          const like = ((cond['StringLike'] ??= {}) as Json);
          like[subKey] = vals.length === 1 ? vals[0] : vals;
          delete b[subKey];
          if (Object.keys(b).length === 0) delete cond[op];
          edits.push(`Statement[${idx}] Condition: move ${subKey} from StringEquals to StringLike (a * is literal under StringEquals)`);
        }
      }
      const subOps = Object.keys(cond).filter((op) => cond[op] && subKey in (cond[op] as Json));
      const admitted = subOps.some((op) => {
        const vals = asList((cond[op] as Json)[subKey]).filter((v): v is string => typeof v === 'string');
        return /like/i.test(op) ? vals.some((v) => wildcardMatch(v, sub)) : vals.includes(sub);
      });
      if (!admitted) {
        if (subOps.length === 0) {
          const eq = ((cond['StringEquals'] ??= {}) as Json);
          eq[subKey] = sub;
          edits.push(`Statement[${idx}] Condition.StringEquals: add ${subKey} = ${sub}`);
        } else {
          const op = subOps[0]!;
          const b = cond[op] as Json;
          const vals = asList(b[subKey]);
          b[subKey] = [...vals, sub];
          edits.push(`Statement[${idx}] Condition.${op}: admit ${sub} in ${subKey} (was ${JSON.stringify(vals.length === 1 ? vals[0] : vals)})`);
        }
      }
      const audOps = Object.keys(cond).filter((op) => cond[op] && audKey in (cond[op] as Json));
      const audOk = audOps.length === 0 || audOps.some((op) => asList((cond[op] as Json)[audKey]).some((v) => typeof v === 'string' && (/like/i.test(op) ? wildcardMatch(v, aud) : v === aud)));
      if (!audOk) {
        const op = audOps[0]!;
        const b = cond[op] as Json;
        const before = b[audKey];
        b[audKey] = aud;
        edits.push(`Statement[${idx}] Condition.${op}: ${audKey} ${JSON.stringify(before)} -> "${aud}"`);
      }
      if (Object.keys(cond).length === 0) delete st['Condition'];
    }
    const verified = evaluatePolicy(parsePolicyDocument(doc), requestFor(t.inputs, sub, [aud]), { kind: 'trust' }).decision === 'allow';
    return { document: doc, edits, verified };
  });
}

/** The fix for a trust problem: the repaired document and the command, only when verified. */
export function trustFix(ctx: CheckContext, summary: string) {
  const r = repairTrust(ctx);
  const t = trustAnalysis(ctx);
  if (!r || !r.verified || r.edits.length === 0 || t.state !== 'ok') return undefined;
  return {
    summary: `${summary}: ${r.edits.join('; ')}`,
    commands: [
      writeJsonCommand('trust-policy.json', r.document),
      `aws iam update-assume-role-policy --role-name ${t.inputs.roleName} --policy-document file://trust-policy.json`,
    ],
    patch: r.document,
  };
}

/**
 * The roles given whose trust policy admits this subject's service account: when the
 * annotation is missing, the one role that trusts the account is the one it was meant to name.
 */
export function rolesTrusting(ctx: CheckContext): string[] {
  return memo(ctx, 'rolesTrusting', () => {
    const ref = ctx.serviceAccountRef;
    const iss = issuerOf(ctx);
    if (!ref || !iss) return [];
    const sub = `system:serviceaccount:${ref.namespace}:${ref.name}`;
    const aud = audienceOf(ctx).value;
    // Depends on the evidence and these three values only: once per diagnosis.
    return shared(ctx.ev, `rolesTrusting:${JSON.stringify([sub, aud, iss.issuer.hostPath])}`, () => {
      const out: string[] = [];
      for (const [arn, l] of ctx.ev.roles) {
        if (l.state !== 'found' || l.value.trustPolicy.state !== 'found') continue;
        const providerArn = buildProviderArn(l.value.partition, l.value.account, iss.issuer.hostPath);
        const e = evaluatePolicy(l.value.trustPolicy.value, requestFor({ providerArn, hostPath: iss.issuer.hostPath }, sub, [aud]), { kind: 'trust' });
        if (e.decision === 'allow') out.push(arn);
      }
      return out;
    }).slice();
  });
}
