// Pasted errors that prove something does not exist (NotFoundFact): kubectl's `Error from
// server (NotFound): serviceaccounts "irsa" not found` (article step 4 run on a missing SA),
// the API's own `kind: Status` / `reason: NotFound` JSON (`kubectl get --raw`, curl), and the
// aws CLI's `An error occurred (NoSuchEntity) when calling the GetRole operation: The role
// with name X cannot be found.`
//
// kubectl's message does not say the namespace: it is read from a `# namespace: NS` comment
// line or from a pasted `$ kubectl get sa irsa -n NS` prompt line, and left out otherwise.
// Other errors (Forbidden, AccessDenied, throttling) prove nothing: they are not claimed, and
// hints.ts names them.

import type { NotFoundFact, Source } from '../facts.js';
import type { Recogniser } from './types.js';
import { everyDoc, lines, parseKubectlCommand, rec, str } from './util.js';

type Resource = NotFoundFact['resource'];

export interface KubectlError {
  /** `NotFound`, `Forbidden`, ... */
  reason: string;
  message: string;
  /** For NotFound: the resource (plural, as kubectl prints it) and the name. */
  resource?: string;
  name?: string;
  line: number;
}

export interface KubectlErrors {
  errors: KubectlError[];
  /** From a `# namespace: NS` comment or a pasted `$ kubectl ... -n NS` prompt line. */
  namespace?: string;
}

/** `Error from server (NotFound): serviceaccounts "irsa" not found` lines (kubectl's stderr). */
export function parseKubectlErrors(text: string): KubectlErrors | null {
  const errors: KubectlError[] = [];
  let fromComment: string | undefined;
  let fromPrompt: string | undefined;
  const all = lines(text);
  for (let i = 0; i < all.length; i++) {
    const l = all[i]!.trim();
    if (l === '') continue;
    const ns = /^#\s*namespace:\s*(\S+)$/i.exec(l);
    if (ns) {
      fromComment = ns[1]!;
      continue;
    }
    if (l.startsWith('$ ')) {
      fromPrompt = parseKubectlCommand(l)?.namespace ?? fromPrompt;
      continue;
    }
    if (l.startsWith('#')) continue;
    const m = /^Error from server \(([A-Za-z]+)\): (.+)$/.exec(l);
    if (!m) return null;
    const e: KubectlError = { reason: m[1]!, message: m[2]!, line: i + 1 };
    const nf = /^([a-z0-9.-]+) "([^"]+)" not found$/.exec(e.message);
    if (e.reason === 'NotFound' && nf) {
      e.resource = nf[1]!;
      e.name = nf[2]!;
    }
    errors.push(e);
  }
  if (errors.length === 0) return null;
  const namespace = fromComment ?? fromPrompt;
  return namespace !== undefined ? { errors, namespace } : { errors };
}

/** kubectl's plural resource (optionally `.group`) -> NotFoundFact's resource. */
export function resourceOf(plural: string): Resource {
  const base = plural.split('.')[0] ?? plural;
  switch (base) {
    case 'serviceaccounts':
    case 'serviceaccount':
      return 'serviceAccount';
    case 'pods':
    case 'pod':
      return 'pod';
    case 'namespaces':
    case 'namespace':
      return 'namespace';
    default:
      return 'other';
  }
}

function k8sNotFound(source: Source, resource: Resource, name: string, namespace: string | undefined, text: string): NotFoundFact {
  const fact: NotFoundFact = { kind: 'notFound', source, resource, name, text };
  // A namespace has no namespace; every other kind named here is namespaced.
  if (namespace !== undefined && resource !== 'namespace') fact.namespace = namespace;
  return fact;
}

export const kubectlNotFound: Recogniser = {
  format: 'kubectl error (NotFound)',
  reads: 'text',
  recognise(input, source) {
    const parsed = parseKubectlErrors(input.text);
    // Claimed only when every error proves an absence: a Forbidden line proves nothing.
    if (!parsed || !parsed.errors.every((e) => e.name !== undefined)) return null;
    const many = parsed.errors.length > 1;
    return parsed.errors.map((e) =>
      k8sNotFound(many ? { path: source.path, line: e.line } : source, resourceOf(e.resource!), e.name!, parsed.namespace, `Error from server (${e.reason}): ${e.message}`),
    );
  },
};

/** `{ kind: Status, status: Failure, reason: NotFound, details: { name, kind } }` from the API. */
export const apiStatusNotFound: Recogniser = {
  format: 'Kubernetes API Status (NotFound)',
  reads: 'structured',
  recognise(input, source) {
    return everyDoc(input, source, (v, src) => {
      if (str(v, 'kind') !== 'Status' || str(v, 'reason') !== 'NotFound') return null;
      const details = rec(v, 'details');
      const name = details ? str(details, 'name') : undefined;
      const plural = details ? str(details, 'kind') : undefined;
      if (name === undefined || plural === undefined) return null;
      const text = str(v, 'message') ?? `${plural} "${name}" not found`;
      return k8sNotFound(src, resourceOf(plural), name, undefined, text);
    });
  },
};

export interface AwsCliError {
  code: string;
  operation: string;
  message: string;
  /** `--option value` pairs of a pasted `$ aws ...` prompt line. */
  options: Record<string, string>;
}

/** `An error occurred (NoSuchEntity) when calling the GetRole operation: ...` (one error line). */
export function parseAwsCliError(text: string): AwsCliError | null {
  let found: AwsCliError | null = null;
  const options: Record<string, string> = {};
  for (const raw of lines(text)) {
    const l = raw.trim();
    if (l === '' || (l.startsWith('#') && !l.startsWith('#!'))) continue;
    if (/^\$ aws\s/.test(l)) {
      const words = l.split(/\s+/);
      for (let i = 2; i < words.length; i++) {
        const w = words[i]!;
        const eq = /^(--[a-z-]+)=(.*)$/.exec(w);
        if (eq) options[eq[1]!] = eq[2]!;
        else if (w.startsWith('--') && words[i + 1] !== undefined && !words[i + 1]!.startsWith('--')) options[w] = words[++i]!;
      }
      continue;
    }
    const m = /^An error occurred \(([^)]+)\) when calling the (\w+) operation(?: \(reached max retries: \d+\))?: (.*)$/.exec(l);
    if (!m || found) return null;
    found = { code: m[1]!, operation: m[2]!, message: m[3]!, options };
  }
  return found;
}

/** What an aws CLI error proves missing, when it proves anything. */
export function awsMissing(e: AwsCliError): { resource: Resource; name: string } | null {
  if (e.code === 'NoSuchEntity') {
    // GetRole, ListAttachedRolePolicies, ListRolePolicies, GetRolePolicy on a missing role.
    const role = /^The role with name (\S+) cannot be found\.?$/.exec(e.message);
    if (role) return { resource: 'role', name: role[1]! };
    if (/OpenIDConnectProvider$/.test(e.operation)) {
      const arn = /arn:[a-z0-9-]+:iam::[0-9]{12}:oidc-provider\/\S+?(?=[\s.]*$|\s)/.exec(e.message)?.[0] ?? e.options['--open-id-connect-provider-arn'];
      if (arn !== undefined) return { resource: 'oidcProvider', name: arn };
    }
    if (/^GetPolicy(Version)?$/.test(e.operation)) {
      const arn = /arn:[a-z0-9-]+:iam::(?:[0-9]{12}|aws):policy\/\S+?(?=[\s.]*$|\s)/.exec(e.message)?.[0] ?? e.options['--policy-arn'];
      if (arn !== undefined) return { resource: 'policy', name: arn };
    }
    return null;
  }
  if (e.code === 'ResourceNotFoundException' && e.operation === 'DescribeCluster') {
    const name = /^No cluster found for name: (\S+?)\.?$/.exec(e.message)?.[1] ?? e.options['--name'];
    if (name !== undefined) return { resource: 'cluster', name };
  }
  return null;
}

export const awsNotFound: Recogniser = {
  format: 'aws CLI error (not found)',
  reads: 'text',
  recognise(input, source) {
    const e = parseAwsCliError(input.text);
    const missing = e ? awsMissing(e) : null;
    if (!e || !missing) return null;
    return [{ kind: 'notFound', source, resource: missing.resource, name: missing.name, text: `An error occurred (${e.code}) when calling the ${e.operation} operation: ${e.message}` } satisfies NotFoundFact];
  },
};
