// `diagnose <selector>`: what the user names on the command line, in kubectl's `KIND/NAME` form
// (`deploy/api`, `sts/db`, `sa/app`, `deployment.apps/api`, `Pods/x`). Kinds are matched like
// kubectl matches resources: singular, plural or short name, any case, optionally group-qualified.

export type SelectorKind = 'Pod' | 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob' | 'ServiceAccount';

export interface Selector {
  readonly kind: SelectorKind;
  readonly name: string;
}

/** How the API serves each kind: the REST path parts, the RBAC resource and the names kubectl accepts. */
export interface KindInfo {
  readonly kind: SelectorKind;
  /** `''` for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  /** The name shown in messages and `formatSelector` (kubectl's singular). */
  readonly singular: string;
  readonly shortNames: readonly string[];
}

export const KINDS: Readonly<Record<SelectorKind, KindInfo>> = {
  Pod: { kind: 'Pod', group: '', version: 'v1', plural: 'pods', singular: 'pod', shortNames: ['po'] },
  Deployment: { kind: 'Deployment', group: 'apps', version: 'v1', plural: 'deployments', singular: 'deployment', shortNames: ['deploy'] },
  StatefulSet: { kind: 'StatefulSet', group: 'apps', version: 'v1', plural: 'statefulsets', singular: 'statefulset', shortNames: ['sts'] },
  DaemonSet: { kind: 'DaemonSet', group: 'apps', version: 'v1', plural: 'daemonsets', singular: 'daemonset', shortNames: ['ds'] },
  Job: { kind: 'Job', group: 'batch', version: 'v1', plural: 'jobs', singular: 'job', shortNames: [] },
  CronJob: { kind: 'CronJob', group: 'batch', version: 'v1', plural: 'cronjobs', singular: 'cronjob', shortNames: ['cj'] },
  ServiceAccount: { kind: 'ServiceAccount', group: '', version: 'v1', plural: 'serviceaccounts', singular: 'serviceaccount', shortNames: ['sa'] },
};

/** Kinds people reach for that the doctor does not take, with what to name instead. */
const NOT_SELECTABLE: Record<string, string> = {
  rs: 'a ReplicaSet belongs to a Deployment: name the Deployment (deploy/NAME) or one of its pods (pod/NAME)',
  replicaset: 'a ReplicaSet belongs to a Deployment: name the Deployment (deploy/NAME) or one of its pods (pod/NAME)',
  rc: 'ReplicationControllers are not supported: name one of its pods (pod/NAME)',
  replicationcontroller: 'ReplicationControllers are not supported: name one of its pods (pod/NAME)',
  svc: 'a Service runs no pods of its own: name the workload behind it (deploy/NAME, sts/NAME...) or a pod',
  service: 'a Service runs no pods of its own: name the workload behind it (deploy/NAME, sts/NAME...) or a pod',
  secret: 'the doctor never reads Secrets: name the workload (deploy/NAME...) or its service account (sa/NAME)',
  ns: 'name one workload of the namespace and pass the namespace with -n',
  namespace: 'name one workload of the namespace and pass the namespace with -n',
};

const USAGE = 'pod/NAME, deploy/NAME, sts/NAME, ds/NAME, job/NAME, cronjob/NAME or sa/NAME';

export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

const BY_NAME = new Map<string, SelectorKind>();
for (const info of Object.values(KINDS)) {
  for (const n of [info.singular, info.plural, ...info.shortNames]) BY_NAME.set(n, info.kind);
}

/** RFC 1123 DNS subdomain: what every selectable kind's names must be (pods, workloads, accounts). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * `KIND/NAME` -> `{ kind, name }`. Throws `SelectorError` with a one-line message saying what is
 * wrong and what to write instead.
 */
export function parseSelector(text: string): Selector {
  const t = text.trim();
  if (t === '') throw new SelectorError(`no workload given: write ${USAGE}`);
  const slash = t.indexOf('/');
  if (slash < 0) {
    throw new SelectorError(`"${t}" has no kind: write KIND/NAME, e.g. deploy/${t} (kinds: ${USAGE})`);
  }
  const rawKind = t.slice(0, slash);
  const name = t.slice(slash + 1);
  if (rawKind === '') throw new SelectorError(`"${t}" has no kind before the "/": write ${USAGE}`);
  // `deployments.apps`, `deployment.v1.apps`: the group (and version) must be the kind's own.
  const [base = '', ...qual] = rawKind.toLowerCase().split('.');
  const kind = BY_NAME.get(base);
  if (!kind) {
    const hint = NOT_SELECTABLE[base.replace(/s$/, '')] ?? NOT_SELECTABLE[base];
    throw new SelectorError(hint ? `"${rawKind}/" is not supported: ${hint}` : `unknown kind "${rawKind}" in "${t}": write ${USAGE}`);
  }
  const info = KINDS[kind];
  if (qual.length > 0) {
    const group = qual.length > 1 && qual[0] === info.version ? qual.slice(1).join('.') : qual.join('.');
    if (group !== info.group) {
      throw new SelectorError(`"${rawKind}" names the API group "${group}", but ${info.kind} is in ${info.group === '' ? 'the core group' : `"${info.group}"`}: write ${info.shortNames[0] ?? info.singular}/${name || 'NAME'}`);
    }
  }
  if (name === '') throw new SelectorError(`"${t}" has no name after the "/": write ${info.shortNames[0] ?? info.singular}/NAME`);
  if (name.includes('/')) throw new SelectorError(`"${t}" has more than one "/": write ${info.shortNames[0] ?? info.singular}/NAME (the namespace goes in -n)`);
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    throw new SelectorError(
      `"${name}" is not a valid ${info.singular} name: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters`,
    );
  }
  return { kind, name };
}

/** `deployment/api`: the canonical form, as findings name workloads. */
export function formatSelector(s: Selector): string {
  return `${KINDS[s.kind].singular}/${s.name}`;
}
