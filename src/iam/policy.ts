// IAM policy documents: decode (JSON object, JSON string, or the URL-encoded JSON that the raw IAM
// API returns for GetRole / GetRolePolicy), normalise every element to arrays, and list structural
// problems as data instead of throwing. Evaluation lives in evaluate.ts.
//
// Grammar reference: IAM JSON policy grammar and element pages (Version, Statement, Sid, Effect,
// Principal/NotPrincipal, Action/NotAction, Resource/NotResource, Condition). Element names are
// case-sensitive; condition operators and keys are matched case-insensitively at evaluation.

export type Effect = 'Allow' | 'Deny';
export type PrincipalType = 'AWS' | 'Federated' | 'Service' | 'CanonicalUser';
export const PRINCIPAL_TYPES: readonly PrincipalType[] = ['AWS', 'Federated', 'Service', 'CanonicalUser'];

/** `Principal` / `NotPrincipal`, normalised. `"Principal": "*"` sets `wildcard`. */
export interface PrincipalElement {
  readonly wildcard: boolean;
  readonly AWS: readonly string[];
  readonly Federated: readonly string[];
  readonly Service: readonly string[];
  readonly CanonicalUser: readonly string[];
}

/** One `operator -> key -> values` entry of a Condition block. */
export interface ConditionClause {
  /** The operator exactly as written (`StringEquals`, `ForAnyValue:StringLike`, `stringequalsifexists`). */
  readonly operator: string;
  /** The condition key exactly as written. */
  readonly key: string;
  /** Policy values as strings (JSON numbers and booleans are converted). */
  readonly values: readonly string[];
  /** Where the clause sits, for messages: `Statement[0].Condition.StringEquals["key"]`. */
  readonly path: string;
}

export interface PolicyStatement {
  readonly index: number;
  readonly sid?: string;
  /** Undefined when missing or not exactly `Allow`/`Deny`. */
  readonly effect?: Effect;
  readonly principal?: PrincipalElement;
  readonly notPrincipal?: PrincipalElement;
  readonly action?: readonly string[];
  readonly notAction?: readonly string[];
  readonly resource?: readonly string[];
  readonly notResource?: readonly string[];
  readonly conditions: readonly ConditionClause[];
  /**
   * False when the statement has a structural error IAM would refuse to store (no Effect, both
   * Action and NotAction, a malformed Condition...). An invalid statement never applies.
   */
  readonly valid: boolean;
}

export type PolicyProblemCode =
  // decoding
  | 'invalidJson'
  | 'urlDecodeFailed'
  | 'notAnObject'
  // top level
  | 'versionMissing'
  | 'versionOld'
  | 'versionUnknown'
  | 'unknownTopLevelKey'
  | 'idNotString'
  | 'statementMissing'
  | 'statementEmpty'
  | 'statementNotObject'
  // statements
  | 'unknownStatementKey'
  | 'sidNotString'
  | 'duplicateSid'
  | 'effectMissing'
  | 'effectInvalid'
  | 'actionMissing'
  | 'actionAndNotAction'
  | 'actionFormat'
  | 'resourceAndNotResource'
  | 'resourceFormat'
  | 'principalAndNotPrincipal'
  | 'principalInvalid'
  | 'notPrincipalWithAllow'
  | 'elementNotStringList'
  | 'emptyList'
  | 'conditionInvalid'
  // evaluation (added by evaluate.ts for the policy kind being evaluated)
  | 'principalMissing'
  | 'principalInIdentityPolicy'
  | 'resourceMissing'
  | 'resourceInTrustPolicy'
  | 'unknownOperator'
  | 'nullWithIfExists'
  | 'unresolvedVariable'
  | 'invalidConditionValue';

export type ProblemSeverity = 'error' | 'warning';

export interface PolicyProblem {
  readonly code: PolicyProblemCode;
  /** `error`: IAM would refuse the document or the element cannot work; `warning`: legal but risky. */
  readonly severity: ProblemSeverity;
  /** Location inside the document (`Statement[1].Condition`), `''` for the whole document. */
  readonly path: string;
  readonly detail: string;
  /** The statement index, when the problem belongs to one. */
  readonly statement?: number;
  /** Caller-supplied label of the document (`role/app trust policy`). */
  readonly where?: string;
}

export interface ParsedPolicy {
  readonly format: 'parsedPolicy';
  readonly version?: string;
  readonly id?: string;
  /** Policy variables are substituted only when `Version` is `2012-10-17`. */
  readonly variablesEnabled: boolean;
  readonly statements: readonly PolicyStatement[];
  readonly problems: readonly PolicyProblem[];
  /** The decoded JSON document (undefined when it could not be decoded). */
  readonly document?: Readonly<Record<string, unknown>>;
  readonly where?: string;
}

export const CURRENT_VERSION = '2012-10-17';
export const OLD_VERSION = '2008-10-17';

const TOP_LEVEL_KEYS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);

export function isParsedPolicy(x: unknown): x is ParsedPolicy {
  return typeof x === 'object' && x !== null && (x as { format?: unknown }).format === 'parsedPolicy';
}

type Decoded = { ok: true; value: unknown } | { ok: false; code: 'invalidJson' | 'urlDecodeFailed'; detail: string };

function parseJson(text: string, what: string): Decoded {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, code: 'invalidJson', detail: `${what} is not valid JSON: ${(e as Error).message}` };
  }
}

/**
 * Decode a policy given as text: JSON when it starts with `{` (or is a JSON string holding the
 * document), otherwise URL-encoded JSON as the raw IAM API returns it (`%7B%22Version...`).
 */
export function decodePolicyText(raw: string): Decoded {
  const t = raw.trim();
  let decoded: Decoded;
  if (t.startsWith('{') || t.startsWith('"')) {
    decoded = parseJson(t, 'the policy');
  } else {
    let text: string;
    try {
      text = decodeURIComponent(t);
    } catch (e) {
      return { ok: false, code: 'urlDecodeFailed', detail: `the policy is neither JSON nor URL-encoded JSON (${(e as Error).message})` };
    }
    decoded = parseJson(text.trim(), 'the URL-decoded policy');
  }
  // A JSON string that holds the document (double-encoded, e.g. a policy embedded in another JSON).
  if (decoded.ok && typeof decoded.value === 'string') {
    const inner = decoded.value.trim();
    if (inner.startsWith('{')) return parseJson(inner, 'the policy inside the JSON string');
    if (inner.startsWith('%7B') || inner.startsWith('%7b')) return decodePolicyText(inner);
  }
  return decoded;
}

function emptyPrincipal(): { wildcard: boolean; AWS: string[]; Federated: string[]; Service: string[]; CanonicalUser: string[] } {
  return { wildcard: false, AWS: [], Federated: [], Service: [], CanonicalUser: [] };
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * Parse and normalise a policy document. `where` labels the document in problems. Never throws:
 * undecodable input yields a policy with no statements and an `invalidJson`/`notAnObject` problem.
 */
export function parsePolicyDocument(raw: unknown, where?: string): ParsedPolicy {
  const problems: PolicyProblem[] = [];
  const add = (code: PolicyProblemCode, severity: ProblemSeverity, path: string, detail: string, statement?: number): void => {
    const p: { -readonly [K in keyof PolicyProblem]: PolicyProblem[K] } = { code, severity, path, detail };
    if (statement !== undefined) p.statement = statement;
    if (where !== undefined) p.where = where;
    problems.push(p);
  };
  const fail = (): ParsedPolicy => {
    const out: { -readonly [K in keyof ParsedPolicy]: ParsedPolicy[K] } = {
      format: 'parsedPolicy',
      variablesEnabled: false,
      statements: [],
      problems,
    };
    if (where !== undefined) out.where = where;
    return out;
  };

  let value: unknown = raw;
  if (typeof raw === 'string') {
    const d = decodePolicyText(raw);
    if (!d.ok) {
      add(d.code, 'error', '', d.detail);
      return fail();
    }
    value = d.value;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    add('notAnObject', 'error', '', `a policy document is a JSON object, but this is ${describeType(value)}`);
    return fail();
  }
  const doc = value as Record<string, unknown>;

  for (const k of Object.keys(doc)) {
    if (!TOP_LEVEL_KEYS.has(k)) {
      const hint = [...TOP_LEVEL_KEYS].find((x) => x.toLowerCase() === k.toLowerCase());
      add('unknownTopLevelKey', 'error', k, hint ? `"${k}" is not a policy element; element names are case-sensitive: use "${hint}"` : `"${k}" is not a policy element (IAM rejects unknown fields)`);
    }
  }

  let version: string | undefined;
  if (doc['Version'] === undefined) {
    add('versionMissing', 'warning', 'Version', `no Version: IAM reads the policy as ${OLD_VERSION}, so policy variables such as \${aws:username} are literal text`);
  } else if (typeof doc['Version'] !== 'string') {
    add('versionUnknown', 'error', 'Version', `Version must be "${CURRENT_VERSION}" or "${OLD_VERSION}", not ${describeType(doc['Version'])}`);
  } else {
    version = doc['Version'];
    if (version === OLD_VERSION) {
      add('versionOld', 'warning', 'Version', `Version ${OLD_VERSION} disables policy variables: \${...} is compared as literal text; use ${CURRENT_VERSION}`);
    } else if (version !== CURRENT_VERSION) {
      add('versionUnknown', 'error', 'Version', `Version "${version}" is not a policy language version (use "${CURRENT_VERSION}")`);
    }
  }
  let id: string | undefined;
  if (doc['Id'] !== undefined) {
    if (typeof doc['Id'] === 'string') id = doc['Id'];
    else add('idNotString', 'warning', 'Id', `Id must be a string, not ${describeType(doc['Id'])}`);
  }

  const statements: PolicyStatement[] = [];
  const rawStatements = doc['Statement'];
  let list: unknown[] = [];
  if (rawStatements === undefined) {
    add('statementMissing', 'error', 'Statement', 'the policy has no Statement element');
  } else if (Array.isArray(rawStatements)) {
    list = rawStatements;
    if (list.length === 0) add('statementEmpty', 'error', 'Statement', 'Statement is an empty list');
  } else {
    list = [rawStatements];
  }

  const sids = new Map<string, number>();
  list.forEach((s, index) => {
    const st = parseStatement(s, index, add);
    if (st.sid !== undefined) {
      const first = sids.get(st.sid);
      if (first !== undefined) {
        add('duplicateSid', 'warning', `Statement[${index}].Sid`, `Sid "${st.sid}" is also used by statement ${first}; Sids should be unique`, index);
      } else sids.set(st.sid, index);
    }
    statements.push(st);
  });

  const out: { -readonly [K in keyof ParsedPolicy]: ParsedPolicy[K] } = {
    format: 'parsedPolicy',
    variablesEnabled: version === CURRENT_VERSION,
    statements,
    problems,
    document: doc,
  };
  if (version !== undefined) out.version = version;
  if (id !== undefined) out.id = id;
  if (where !== undefined) out.where = where;
  return out;
}

type Add = (code: PolicyProblemCode, severity: ProblemSeverity, path: string, detail: string, statement?: number) => void;

function stringList(v: unknown, path: string, index: number, add: Add): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) {
    if (v.length === 0) {
      add('emptyList', 'error', path, `${path} is an empty list`, index);
      return undefined;
    }
    if (v.every((x) => typeof x === 'string')) return v as string[];
  }
  add('elementNotStringList', 'error', path, `${path} must be a string or a list of strings, not ${describeType(v)}`, index);
  return undefined;
}

function parsePrincipal(v: unknown, path: string, index: number, add: Add): PrincipalElement | undefined {
  if (v === '*') return { ...emptyPrincipal(), wildcard: true };
  if (typeof v === 'string') {
    add('principalInvalid', 'error', path, `${path} must be "*" or an object such as {"Federated": "arn:..."}, not the string "${v}"`, index);
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    add('principalInvalid', 'error', path, `${path} must be "*" or an object, not ${describeType(v)}`, index);
    return undefined;
  }
  const out = emptyPrincipal();
  let ok = true;
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) {
    add('principalInvalid', 'error', path, `${path} is an empty object`, index);
    return undefined;
  }
  for (const [k, val] of entries) {
    const type = PRINCIPAL_TYPES.find((t) => t === k);
    if (!type) {
      const hint = PRINCIPAL_TYPES.find((t) => t.toLowerCase() === k.toLowerCase());
      add('principalInvalid', 'error', `${path}.${k}`, hint ? `principal type "${k}" must be spelled "${hint}"` : `"${k}" is not a principal type (AWS, Federated, Service, CanonicalUser)`, index);
      ok = false;
      continue;
    }
    const values = stringList(val, `${path}.${k}`, index, add);
    if (values === undefined) {
      ok = false;
      continue;
    }
    out[type].push(...values);
  }
  return ok ? out : undefined;
}

function conditionValues(v: unknown): string[] | undefined {
  const one = (x: unknown): string | undefined =>
    typeof x === 'string' ? x : typeof x === 'number' && Number.isFinite(x) ? String(x) : typeof x === 'boolean' ? String(x) : undefined;
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (const x of v) {
      const s = one(x);
      if (s === undefined) return undefined;
      out.push(s);
    }
    return out;
  }
  const s = one(v);
  return s === undefined ? undefined : [s];
}

function parseConditions(v: unknown, path: string, index: number, add: Add): ConditionClause[] | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    add('conditionInvalid', 'error', path, `${path} must be an object of {operator: {key: value}}, not ${describeType(v)}`, index);
    return undefined;
  }
  const out: ConditionClause[] = [];
  let ok = true;
  for (const [operator, block] of Object.entries(v as Record<string, unknown>)) {
    const opPath = `${path}.${operator}`;
    if (typeof block !== 'object' || block === null || Array.isArray(block)) {
      add('conditionInvalid', 'error', opPath, `${opPath} must be an object of {key: value}, not ${describeType(block)}`, index);
      ok = false;
      continue;
    }
    const keys = Object.entries(block as Record<string, unknown>);
    if (keys.length === 0) {
      add('conditionInvalid', 'error', opPath, `${opPath} has no condition keys`, index);
      ok = false;
      continue;
    }
    for (const [key, raw] of keys) {
      const keyPath = `${opPath}[${JSON.stringify(key)}]`;
      const values = conditionValues(raw);
      if (values === undefined) {
        add('conditionInvalid', 'error', keyPath, `${keyPath} must be a string, number, boolean or a list of them, not ${describeType(raw)}`, index);
        ok = false;
        continue;
      }
      if (values.length === 0) {
        add('conditionInvalid', 'error', keyPath, `${keyPath} is an empty list`, index);
        ok = false;
        continue;
      }
      out.push({ operator, key, values, path: keyPath });
    }
  }
  return ok ? out : undefined;
}

function countColons(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length && n < 5; i++) if (s.charCodeAt(i) === 58) n++;
  return n;
}

const ACTION_RE = /^[A-Za-z0-9*?-]+:[A-Za-z0-9*?_-]+$/;

function parseStatement(s: unknown, index: number, add: Add): PolicyStatement {
  const base = `Statement[${index}]`;
  if (typeof s !== 'object' || s === null || Array.isArray(s)) {
    add('statementNotObject', 'error', base, `${base} must be an object, not ${describeType(s)}`, index);
    return { index, conditions: [], valid: false };
  }
  const st = s as Record<string, unknown>;
  let valid = true;
  for (const k of Object.keys(st)) {
    if (!STATEMENT_KEYS.has(k)) {
      const hint = [...STATEMENT_KEYS].find((x) => x.toLowerCase() === k.toLowerCase());
      add('unknownStatementKey', 'error', `${base}.${k}`, hint ? `"${k}" is not a statement element; element names are case-sensitive: use "${hint}"` : `"${k}" is not a statement element (IAM rejects unknown fields)`, index);
      valid = false;
    }
  }
  const out: { -readonly [K in keyof PolicyStatement]: PolicyStatement[K] } = { index, conditions: [], valid: true };

  if (st['Sid'] !== undefined) {
    if (typeof st['Sid'] === 'string') out.sid = st['Sid'];
    else add('sidNotString', 'warning', `${base}.Sid`, `Sid must be a string, not ${describeType(st['Sid'])}`, index);
  }

  const effect = st['Effect'];
  if (effect === undefined) {
    add('effectMissing', 'error', `${base}.Effect`, `${base} has no Effect`, index);
    valid = false;
  } else if (effect === 'Allow' || effect === 'Deny') {
    out.effect = effect;
  } else {
    const hint = typeof effect === 'string' && ['allow', 'deny'].includes(effect.toLowerCase()) ? ` (write "${effect[0]?.toUpperCase()}${effect.slice(1).toLowerCase()}")` : '';
    add('effectInvalid', 'error', `${base}.Effect`, `Effect must be "Allow" or "Deny", not ${JSON.stringify(effect)}${hint}`, index);
    valid = false;
  }

  if (st['Principal'] !== undefined && st['NotPrincipal'] !== undefined) {
    add('principalAndNotPrincipal', 'error', base, `${base} has both Principal and NotPrincipal`, index);
    valid = false;
  }
  if (st['Principal'] !== undefined) {
    const p = parsePrincipal(st['Principal'], `${base}.Principal`, index, add);
    if (p) out.principal = p;
    else valid = false;
  }
  if (st['NotPrincipal'] !== undefined) {
    const p = parsePrincipal(st['NotPrincipal'], `${base}.NotPrincipal`, index, add);
    if (p) out.notPrincipal = p;
    else valid = false;
    if (effect === 'Allow') {
      add('notPrincipalWithAllow', 'warning', `${base}.NotPrincipal`, 'NotPrincipal with Allow grants every principal except the ones listed (possibly anonymous ones too); AWS recommends against it', index);
    }
  }

  if (st['Action'] !== undefined && st['NotAction'] !== undefined) {
    add('actionAndNotAction', 'error', base, `${base} has both Action and NotAction`, index);
    valid = false;
  } else if (st['Action'] === undefined && st['NotAction'] === undefined) {
    add('actionMissing', 'error', base, `${base} has neither Action nor NotAction`, index);
    valid = false;
  }
  for (const el of ['Action', 'NotAction'] as const) {
    if (st[el] === undefined) continue;
    const list = stringList(st[el], `${base}.${el}`, index, add);
    if (!list) {
      valid = false;
      continue;
    }
    for (const a of list) {
      if (a !== '*' && !ACTION_RE.test(a)) {
        add('actionFormat', 'warning', `${base}.${el}`, `"${a}" is not of the form service:action (e.g. sts:AssumeRoleWithWebIdentity)`, index);
      }
    }
    if (el === 'Action') out.action = list;
    else out.notAction = list;
  }

  if (st['Resource'] !== undefined && st['NotResource'] !== undefined) {
    add('resourceAndNotResource', 'error', base, `${base} has both Resource and NotResource`, index);
    valid = false;
  }
  for (const el of ['Resource', 'NotResource'] as const) {
    if (st[el] === undefined) continue;
    const list = stringList(st[el], `${base}.${el}`, index, add);
    if (!list) {
      valid = false;
      continue;
    }
    for (const r of list) {
      if (r !== '*' && countColons(r) < 5) {
        add('resourceFormat', 'error', `${base}.${el}`, `"${r}" must be in ARN format (arn:partition:service:region:account:resource) or "*"`, index);
        valid = false;
      }
    }
    if (el === 'Resource') out.resource = list;
    else out.notResource = list;
  }

  if (st['Condition'] !== undefined) {
    const c = parseConditions(st['Condition'], `${base}.Condition`, index, add);
    if (c) out.conditions = c;
    else valid = false;
  }
  out.valid = valid;
  return out;
}
