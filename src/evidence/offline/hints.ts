// What to tell the user about a file nothing recognised: name what it looks like and the
// command whose output would help instead. Nothing is silently ignored (checks.md).
//
// `kubectl get sa` table output is a near-miss worth a word: it lists which service accounts
// exist, but without `-A` not in which namespace, and never their annotations. No Fact kind
// carries "these are all the SAs of namespace N" yet (a ServiceAccount List from `-o yaml`
// does, via K8sObjectFact.fromList): its parser is here, ready for one.

import { parseAwsCliError, parseKubectlErrors } from './notfound.js';
import type { ParsedFile } from './parse.js';
import { isRecord, lines, own, str } from './util.js';

export interface ServiceAccountTable {
  /** Present with `kubectl get sa -A` (a NAMESPACE column) or a `# namespace: NS` comment line. */
  namespace?: string;
  accounts: Array<{ namespace?: string; name: string }>;
}

/** `kubectl get sa [-n NS | -A]` table output: `NAME  SECRETS  AGE` (and `NAMESPACE` first with -A). */
export function parseServiceAccountTable(text: string): ServiceAccountTable | null {
  let namespace: string | undefined;
  const rows: string[][] = [];
  let header: string[] | undefined;
  for (const raw of lines(text)) {
    const l = raw.trim();
    if (l === '') continue;
    const ns = /^#\s*namespace:\s*(\S+)$/i.exec(l);
    if (ns) {
      namespace = ns[1]!;
      continue;
    }
    if (l.startsWith('#') || l.startsWith('$ ')) continue;
    const cells = l.split(/\s+/);
    if (!header) {
      header = cells;
      continue;
    }
    rows.push(cells);
  }
  if (!header) return null;
  const withNs = header.join(' ') === 'NAMESPACE NAME SECRETS AGE';
  if (!withNs && header.join(' ') !== 'NAME SECRETS AGE') return null;
  const accounts: ServiceAccountTable['accounts'] = [];
  for (const r of rows) {
    if (r.length !== header.length) return null;
    accounts.push(withNs ? { namespace: r[0]!, name: r[1]! } : namespace !== undefined ? { namespace, name: r[0]! } : { name: r[0]! });
  }
  return namespace !== undefined ? { namespace, accounts } : { accounts };
}

/** One line saying what the unrecognised file looks like and what to give instead. */
export function hintFor(file: ParsedFile): string {
  const text = file.text;
  const trimmed = text.trim();
  if (trimmed === '') {
    return 'the file is empty (a `grep` that matched nothing leaves an empty file, but so does anything else: irsa-doctor cannot tell what it was meant to hold)';
  }
  if (trimmed === 'None' || trimmed === 'null') {
    return `\`${trimmed}\` is what the aws CLI prints for a missing value (e.g. \`aws eks describe-cluster --query cluster.identity.oidc.issuer\` on a cluster without an OIDC issuer), but the file does not say which command printed it: save \`aws eks describe-cluster --name NAME --output json\` instead`;
  }
  const kerr = parseKubectlErrors(text);
  if (kerr) {
    const e = kerr.errors.find((x) => x.name === undefined) ?? kerr.errors[0]!;
    return `kubectl error output (${e.reason}: ${e.message}): it does not say whether the object exists; fix the command (context, namespace, permissions) and save its \`-o yaml\` output`;
  }
  if (/^No resources found( in \S+ namespace)?\.$/.test(trimmed)) {
    return `kubectl found no objects (\`${trimmed}\`), but it does not say which kind was asked for: give the objects that do exist as \`kubectl get ... -o yaml\``;
  }
  const aerr = parseAwsCliError(text);
  if (aerr) {
    return `aws CLI error output (${aerr.operation}: ${aerr.code}: ${aerr.message}): it does not prove what exists; fix the command (name, account, region, permissions) and save its \`--output json\` output`;
  }
  const sat = parseServiceAccountTable(text);
  if (sat) {
    const names = sat.accounts.map((a) => (a.namespace !== undefined ? `${a.namespace}/${a.name}` : a.name)).join(', ');
    return `\`kubectl get serviceaccounts\` table output (${names || 'no rows'}): a table shows neither annotations nor (without -A) the namespace; save \`kubectl get sa -n NAMESPACE -o yaml\` instead`;
  }
  if (/^\[(?:default|profile [^\]]+|[A-Za-z0-9_.-]+)\]\s*$/m.test(text) && /^\s*(?:aws_access_key_id|aws_secret_access_key|role_arn|web_identity_token_file|source_profile|credential_process|sso_start_url|region)\s*=/m.test(text)) {
    return 'an AWS shared credentials/config file: not read; if it is mounted in the pod (or AWS_SHARED_CREDENTIALS_FILE/AWS_CONFIG_FILE point to it), its profiles can take precedence over web identity';
  }
  const first = lines(trimmed)[0] ?? '';
  if (/^NAME\s{2,}|^NAMESPACE\s{2,}NAME\s/.test(first)) {
    return '`kubectl get` table output: tables drop the fields irsa-doctor needs; add `-o yaml` to the same command';
  }
  if (/^Name:\s/m.test(text) && /^Service Account:\s/m.test(text)) {
    return '`kubectl describe pod` output is not read (it drops the pod spec details): save `kubectl get pod NAME -n NAMESPACE -o yaml` instead';
  }
  if (/^Name:\s/m.test(text) && /^Namespace:\s/m.test(text)) {
    return '`kubectl describe` output of a kind irsa-doctor does not read from describe (only service accounts): save `kubectl get KIND NAME -n NAMESPACE -o yaml` instead';
  }
  if (lines(trimmed).every((l) => /^\s*(?:-\s+)?serviceAccount(?:Name)?:\s*\S*\s*$/.test(l))) {
    return 'lines grepped from a pod manifest: save the whole `kubectl get pod NAME -n NAMESPACE -o yaml` (the namespace, containers and volumes are needed too)';
  }
  if (/^[+|][-+|=\s]*$/m.test(first) || /^-{5,}$/.test(first) || /^\|\s+\S.*\|$/.test(first)) {
    return 'aws CLI `--output table` output: run the same command with `--output json`';
  }
  const doc = file.docs?.find((d) => isRecord(d.value)) ?? file.docs?.[0];
  if (doc) return hintForValue(doc.value, file.syntax);
  if (file.yamlProblem !== undefined) {
    return `not an output irsa-doctor reads (nor valid YAML: ${file.yamlProblem})`;
  }
  return 'not an output irsa-doctor reads (aws CLI JSON, kubectl YAML/JSON, kubectl describe sa, env or id output, OIDC documents, TLS chains, tokens, lockfiles and SBOMs are)';
}

/** What a parsed JSON/YAML document that nothing claimed looks like. */
export function hintForValue(value: unknown, syntax: ParsedFile['syntax']): string {
  const lang = syntax === 'json' ? 'JSON' : 'YAML';
  if (!isRecord(value)) return `${lang} that is not an object: not an output irsa-doctor reads`;
  const v = value;
  if ('Statement' in v && ('Version' in v || Object.keys(v).length <= 2)) {
    return 'an IAM policy document on its own does not name its role: save `aws iam get-role --role-name NAME` (trust policy) or `aws iam get-role-policy` / `get-policy-version` output instead';
  }
  if (str(v, 'kind') === 'Status') {
    const reason = str(v, 'reason') ?? str(v, 'status') ?? 'an error';
    const message = str(v, 'message');
    return `a Kubernetes API error (Status ${reason}${message !== undefined ? `: ${message}` : ''}): it does not say whether the object exists`;
  }
  const kind = own(v, 'kind');
  if (typeof kind === 'string' && !isRecord(own(v, 'metadata'))) {
    return `${lang} with kind ${kind} but no metadata: not a Kubernetes object as kubectl prints it`;
  }
  const all = Object.keys(v);
  const keys = all.slice(0, 6);
  return `${lang} with top-level keys ${keys.join(', ') || '(none)'}${all.length > keys.length ? ', ...' : ''}: not an output irsa-doctor reads`;
}
