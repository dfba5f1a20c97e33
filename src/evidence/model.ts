// The Evidence model: everything known about one cluster, joined from facts (files or API
// calls). Checks read it and nothing else. Every piece that may be missing is a `Lookup`, so a
// check cannot mistake "not given" for "fine".

import type {
  ProbeFact,
  UnavailableFact,
  CertChainFact,
  DiscoveryFact,
  IdFact,
  EnvFact,
  JwksFact,
  K8sObject,
  PolicyDocument,
  SdkDepsFact,
  Source,
  TokenFact,
} from './facts.js';

/**
 * found: the thing exists and here it is.
 * notFound: we have evidence that it does not exist (a full listing without it, a NotFound error).
 * unknown: nobody told us; `settle` says what would (a command to paste, or a permission).
 */
export type Lookup<T> =
  | { readonly state: 'found'; readonly value: T; readonly sources: readonly Source[] }
  | { readonly state: 'notFound'; readonly detail: string; readonly sources: readonly Source[] }
  | { readonly state: 'unknown'; readonly reason: string; readonly settle: string };

export const found = <T>(value: T, sources: readonly Source[]): Lookup<T> => ({ state: 'found', value, sources });
export const notFound = <T>(detail: string, sources: readonly Source[]): Lookup<T> => ({ state: 'notFound', detail, sources });
export const unknown = <T>(reason: string, settle: string): Lookup<T> => ({ state: 'unknown', reason, settle });

export interface Cluster {
  name?: string;
  arn?: string;
  region?: string;
  /** From the cluster ARN. */
  account?: string;
  /** `null`: the cluster has no OIDC issuer. */
  issuer: string | null;
  version?: string;
  /** describe-cluster's resourcesVpcConfig.endpointPublicAccess === false */
  privateEndpointOnly?: boolean;
  /** How the issuer was learned: describe-cluster, discovery document, or a token's iss. */
  issuerFrom: 'describe-cluster' | 'issuer-url' | 'discovery' | 'token' | 'none';
}

export interface Provider {
  arn?: string;
  /** Account that holds it (from the ARN), when known. */
  account?: string;
  /** Without scheme, as IAM stores it. */
  hostPath: string;
  /** Details: only when get-open-id-connect-provider was given. */
  clientIds?: string[];
  thumbprints?: string[];
  sources: Source[];
}

/** What is known of one account's providers. `complete` = a full listing was given. */
export interface AccountProviders {
  account: string | undefined;
  complete: boolean;
  providers: Provider[];
  /** Set when the account of an unlabelled listing was inferred; shown in `because`. */
  assumption?: string;
  sources: Source[];
}

export interface NamedPolicy {
  name: string;
  arn?: string;
  /** Lookup of the document: attached managed policies need get-policy-version to be known. */
  document: Lookup<PolicyDocument>;
  kind: 'inline' | 'managed';
}

export interface Role {
  arn: string;
  name: string;
  account: string;
  partition: string;
  trustPolicy: Lookup<PolicyDocument>;
  maxSessionDuration?: number;
  /** Attached and inline policies; `unknown` when no listing was given. */
  attached: Lookup<NamedPolicy[]>;
  inline: Lookup<NamedPolicy[]>;
  permissionsBoundary?: { arn: string; document: Lookup<PolicyDocument> };
}

export interface ServiceAccount {
  namespace: string;
  name: string;
  annotations: Record<string, string>;
  uid?: string;
  creationTimestamp?: string;
  /** Latest time the role-arn annotation was written (managedFields), when known. */
  roleAnnotationTime?: string;
  /** The full object when given as YAML/JSON (describe text gives only annotations). */
  object?: K8sObject;
}

export interface OwnerLink {
  kind: string;
  name: string;
  /** The object itself when given; otherwise inferred from names/labels. */
  known: boolean;
}

export interface Pod {
  namespace: string;
  name: string;
  /** `template`: built from a workload's pod template, with the webhook's mutation applied. */
  origin: 'pod' | 'template';
  object: K8sObject;
  /** Owner chain, nearest first: ReplicaSet, Deployment ... */
  owners: OwnerLink[];
  /** For templates: the workload it came from. */
  workload?: { kind: string; name: string };
  /** The exec outputs joined to this pod. */
  env: EnvFact[];
  ids: IdFact[];
  /** Facts tied to this pod by folder (lockfiles, SBOMs). */
  sdk: SdkDepsFact[];
  /** True when the webhook mutation was simulated for a template. */
  simulatedMutation?: { reason: string };
  sources: Source[];
}

export interface Conflict {
  /** What disagrees: "trust policy of arn:aws:iam::1:role/x". */
  what: string;
  /** Which part of the chain: subjects that use it are affected. */
  scope: { kind: 'cluster' } | { kind: 'serviceAccount'; key: string } | { kind: 'role'; arn: string };
  values: Array<{ value: string; source: Source }>;
}

export interface Evidence {
  now: Date;
  cluster: Lookup<Cluster>;
  kubeVersion: Lookup<{ major: number; minor: number; gitVersion: string }>;
  /** One entry per account listing or provider detail given. */
  providerAccounts: AccountProviders[];
  /** Role ARN (as in the annotation, normalised) -> lookup. */
  roles: Map<string, Lookup<Role>>;
  /** Role lookups that were not asked for by any subject (a role file without a pod). */
  serviceAccounts: Map<string, Lookup<ServiceAccount>>;
  /** Namespaces for which a complete service account listing was given. */
  completeSaNamespaces: Set<string>;
  pods: Pod[];
  discovery: DiscoveryFact[];
  jwks: JwksFact[];
  chains: CertChainFact[];
  tokens: TokenFact[];
  sdk: SdkDepsFact[];
  conflicts: Conflict[];
  /** Things the join could not attribute or had to assume, shown in reports. */
  notes: string[];
  /** Live mode: evidence a call could not produce, by `what` (see UnavailableFact). */
  unavailable: Map<string, UnavailableFact>;
  /** Live mode with --probe: STS's answers. */
  probes: ProbeFact[];
  /** `--action/--resource` for IRSA108. */
  intent?: { action: string; resource?: string };
  /** Whether this evidence came from files (offline) or APIs (live). Checks never branch on it. */
  mode: 'offline' | 'live';
}

/** One thing to diagnose: a pod (or pod template), else a service account, else a role. */
export interface Subject {
  namespace?: string;
  pod?: string;
  /** For templates: `deployment/web`. */
  workload?: string;
  serviceAccount?: string;
  roleArn?: string;
}

/** An `unknown` lookup for evidence a live call could not produce. */
export function unknownFrom<T>(u: UnavailableFact): Lookup<T> {
  return unknown(u.reason, u.permission ? `the permission ${u.permission}` : 'see the reason');
}

export function saKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
