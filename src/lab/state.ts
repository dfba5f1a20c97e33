// The lab's AWS-side state: accounts with their IAM entities, EKS clusters, and the credentials
// the lab issued. One mutable value shared by the IAM, STS and EKS servers (the Kubernetes
// side keeps its own object store: kube/store.ts). Nothing here imports a check.

import { randomBytes } from 'node:crypto';

export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov' | 'aws-iso' | 'aws-iso-b';

export interface LabTag {
  Key: string;
  Value: string;
}

export interface LabProvider {
  arn: string;
  /** As IAM stores it: without `https://`. */
  url: string;
  clientIds: string[];
  thumbprints: string[];
  tags: LabTag[];
  createDate: Date;
}

export interface LabPolicyVersion {
  versionId: string;
  /** The document exactly as given (JSON text). */
  document: string;
  isDefault: boolean;
  createDate: Date;
}

export interface LabManagedPolicy {
  arn: string;
  name: string;
  path: string;
  policyId: string;
  defaultVersionId: string;
  versions: LabPolicyVersion[];
  attachmentCount: number;
  createDate: Date;
  updateDate: Date;
  description?: string;
  /** AWS-managed (`arn:aws:iam::aws:policy/...`). */
  awsManaged: boolean;
  /** Customer-managed policies' tags (IAM returns them from GetPolicy). */
  tags?: LabTag[];
}

export interface LabRole {
  arn: string;
  name: string;
  path: string;
  roleId: string;
  createDate: Date;
  /** The trust policy as given (JSON text); the API returns it URL-encoded. */
  assumeRolePolicyDocument: string;
  maxSessionDuration: number;
  description?: string;
  permissionsBoundary?: string;
  attachedPolicies: string[];
  inlinePolicies: Map<string, string>;
  tags: LabTag[];
  /** When STS last issued credentials for the role (GetRole's RoleLastUsed). */
  lastUsed?: { date: Date; region: string };
}

export interface LabAccount {
  id: string;
  partition: Partition;
  roles: Map<string, LabRole>;
  providers: Map<string, LabProvider>;
  /** Customer-managed policies by ARN. AWS-managed ones live in LabState.awsPolicies. */
  policies: Map<string, LabManagedPolicy>;
  /** Raised quotas (Service Quotas); IAM's defaults otherwise. */
  quotas?: { roles?: number; customerPolicies?: number };
}

export interface LabCluster {
  name: string;
  arn: string;
  region: string;
  account: string;
  version: string;
  /** Full issuer URL, `https://...`; empty when the cluster has no OIDC issuer. */
  issuer: string;
  /** The lab Kubernetes API URL. */
  endpoint: string;
  certificateAuthority: string;
  status: 'ACTIVE' | 'CREATING';
  createdAt: Date;
  endpointPublicAccess: boolean;
  endpointPrivateAccess: boolean;
  tags: Record<string, string>;
}

/**
 * An IAM user of the lab: the owner of long-term keys. Its identity policies (inline, attached,
 * permissions boundary) authorize its calls to the lab's IAM and EKS APIs (./authz.ts), as IAM
 * authorizes a user's calls. The lab's administrator (`lab-admin`, and any user that was only
 * issued keys) has the AWS-managed AdministratorAccess policy attached.
 */
export interface LabUser {
  arn: string;
  name: string;
  path: string;
  /** `AIDA...`, what GetCallerIdentity returns as UserId. */
  userId: string;
  account: string;
  createDate: Date;
  /** Inline identity policies by name (JSON text). */
  inlinePolicies: Map<string, string>;
  /** Managed policy ARNs: customer-managed ones of the account or AWS-managed ones. */
  attachedPolicies: string[];
  /** A managed policy ARN used as the user's permissions boundary. */
  permissionsBoundary?: string;
}

/** An identity policy given inline: its name and document (JSON text or an object). */
export interface LabInlinePolicy {
  name: string;
  document: string | Readonly<Record<string, unknown>>;
}

export interface CreateUserOptions {
  /** Default `/`. */
  path?: string;
  /** Managed policy ARNs to attach (e.g. `arn:aws:iam::aws:policy/IAMReadOnlyAccess`). */
  attachedPolicies?: string[];
  permissionsBoundary?: string;
}

/** A credential the lab issued (or the lab's own admin keys). Secrets never leave the lab. */
export interface LabCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** The principal: `arn:aws:iam::1:user/lab-admin` or `arn:aws:sts::1:assumed-role/R/S`. */
  arn: string;
  account: string;
  userId: string;
  expiration?: Date;
}

export class LabState {
  readonly accounts = new Map<string, LabAccount>();
  readonly clusters = new Map<string, LabCluster>();
  readonly credentials = new Map<string, LabCredential>();
  readonly awsPolicies = new Map<string, LabManagedPolicy>();
  /** IAM users by ARN. */
  readonly users = new Map<string, LabUser>();

  account(id: string, partition: Partition = 'aws'): LabAccount {
    let a = this.accounts.get(id);
    if (!a) {
      a = { id, partition, roles: new Map(), providers: new Map(), policies: new Map() };
      this.accounts.set(id, a);
    }
    return a;
  }

  /**
   * Issues long-term keys for an IAM user of an account (what the lab's env file exports). A user
   * that does not exist yet is created as an administrator (AdministratorAccess attached), which
   * is what the lab's own `lab-admin` keys stand for.
   */
  issueUserKeys(account: string, user = 'lab-admin'): LabCredential {
    const a = this.account(account);
    const u = this.user(account, user) ?? this.addUser(account, user, [], { attachedPolicies: [`arn:${a.partition}:iam::aws:policy/AdministratorAccess`] });
    const c: LabCredential = {
      accessKeyId: `AKIA${randomId(16)}`,
      secretAccessKey: randomBytes(30).toString('base64').replace(/[+/=]/g, 'x').slice(0, 40),
      arn: u.arn,
      account,
      userId: u.userId,
    };
    this.credentials.set(c.accessKeyId, c);
    return c;
  }

  /**
   * Creates an IAM user with exactly these identity policies (inline; `options` adds managed ones
   * and a permissions boundary) and issues it keys. Throws if the user exists.
   */
  createUser(account: string, name: string, policies: readonly LabInlinePolicy[], options: CreateUserOptions = {}): { user: LabUser; credential: LabCredential } {
    if (this.user(account, name)) throw new Error(`lab user ${name} already exists in account ${account}`);
    const user = this.addUser(account, name, policies, options);
    return { user, credential: this.issueUserKeys(account, name) };
  }

  /** The user of an account with this name (IAM user names are case-insensitive). */
  user(account: string, name: string): LabUser | undefined {
    const lower = name.toLowerCase();
    for (const u of this.users.values()) if (u.account === account && u.name.toLowerCase() === lower) return u;
    return undefined;
  }

  private addUser(account: string, name: string, policies: readonly LabInlinePolicy[], options: CreateUserOptions): LabUser {
    const a = this.account(account);
    const path = options.path ?? '/';
    const u: LabUser = {
      arn: `arn:${a.partition}:iam::${account}:user${path}${name}`,
      name,
      path,
      userId: `AIDA${randomId(17)}`,
      account,
      createDate: new Date(),
      inlinePolicies: new Map(policies.map((p) => [p.name, typeof p.document === 'string' ? p.document : JSON.stringify(p.document)])),
      attachedPolicies: [...(options.attachedPolicies ?? [])],
    };
    if (options.permissionsBoundary !== undefined) u.permissionsBoundary = options.permissionsBoundary;
    this.users.set(u.arn, u);
    return u;
  }

  /** Issues session credentials for an assumed role. */
  issueSession(account: string, role: LabRole, sessionName: string, seconds: number, now: Date): LabCredential {
    const a = this.account(account);
    const c: LabCredential = {
      accessKeyId: `ASIA${randomId(16)}`,
      secretAccessKey: randomBytes(30).toString('base64').replace(/[+/=]/g, 'x').slice(0, 40),
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(96).toString('base64')}`,
      arn: `arn:${a.partition}:sts::${account}:assumed-role/${role.name}/${sessionName}`,
      account,
      userId: `${role.roleId}:${sessionName}`,
      expiration: new Date(now.getTime() + seconds * 1000),
    };
    this.credentials.set(c.accessKeyId, c);
    return c;
  }
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Upper-case base32-ish ids like AWS's (AROA..., AKIA...). */
export function randomId(n: number): string {
  const bytes = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += ID_ALPHABET[bytes[i]! % ID_ALPHABET.length];
  return s;
}

/** 32 upper-case hex characters, like an EKS issuer id. */
export function issuerId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

export function requestId(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
