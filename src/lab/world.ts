// Worlds: YAML files that seed a lab (accounts, clusters, IAM, Kubernetes objects) in order, so
// that a story like "the pod was created, then the service account was annotated" can be told.
// Parsing and validation here; applying a world goes through the lab's real APIs (apply.ts).

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { InputError } from '../evidence/facts.js';
import type { Partition } from './state.js';

/** IAM quotas an account has had raised (both can go up to 5,000). */
export interface AccountQuotas {
  roles?: number;
  customerPolicies?: number;
}

export interface WorldCluster {
  name: string;
  account: string;
  region: string;
  version: string;
  /**
   * `public`: the issuer stands for an EKS-hosted one whose certificate AWS trusts, so STS
   * ignores thumbprints; `private`: a self-hosted issuer behind the lab CA, so thumbprints
   * matter; `none`: the cluster has no OIDC issuer.
   */
  issuer: 'public' | 'private' | 'none';
  /** Serve the JWKS from a second host with its own certificate (two thumbprints needed). */
  jwksOnSeparateHost: boolean;
  /** describe-cluster's endpointPublicAccess=false. */
  privateEndpoint: boolean;
  /** down: pods admitted unmutated; cacheMiss: the SA is not yet in the webhook's cache;
   * injectRegion: the webhook injects AWS_REGION/AWS_DEFAULT_REGION (EKS does by default). */
  webhook: { down: boolean; cacheMiss: boolean; injectRegion: boolean };
}

export type IrsaTrust = { cluster: string; namespace: string; serviceAccount: string; audience?: string; operator?: 'StringEquals' | 'StringLike' };

export type Step =
  | {
      provider: {
        account: string;
        cluster: string;
        clientIds: string[];
        thumbprints: 'auto' | string[];
        /** Register this URL instead of the cluster's issuer (e.g. an old cluster's issuer). */
        url?: string;
      };
    }
  | { policy: { account: string; name: string; document: Record<string, unknown> } }
  | {
      role: {
        account: string;
        name: string;
        trust?: Record<string, unknown>;
        irsa?: IrsaTrust;
        maxSessionDuration?: number;
        attach: string[];
        inline: Record<string, Record<string, unknown>>;
      };
    }
  | { apply: { cluster: string; objects: Array<Record<string, unknown>> } }
  | { annotate: { cluster: string; namespace: string; serviceAccount: string; annotations: Record<string, string | null> } }
  | { advance: { ms: number; text: string } }
  | { webhook: { cluster: string; down: boolean } };

export interface World {
  name: string;
  description: string;
  /** Check ids this world is built to make fail (empty for healthy worlds). */
  reproduces: string[];
  /** What the user sees, e.g. the STS error. */
  symptom?: string;
  /** Expected findings per workload, for tests: `"ns/deploy/name": { IRSA105: fail }`. */
  expect: Record<string, Record<string, string>>;
  /** `quotas`: raised IAM quotas (Service Quotas), e.g. `{ roles: 5000 }`; default IAM's defaults. */
  accounts: Array<{ id: string; partition: Partition; quotas?: AccountQuotas }>;
  clusters: WorldCluster[];
  steps: Step[];
  path?: string;
}

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

class Reader {
  constructor(
    readonly path: string,
    readonly lc: LineCounter,
  ) {}
  fail(message: string, node?: { range?: [number, number, number] | null }): never {
    const pos = node?.range ? this.lc.linePos(node.range[0]) : undefined;
    throw new InputError(this.path, message, pos?.line, pos?.col);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** Parses and validates a world; errors name the file, line and column. */
export function parseWorld(text: string, path: string): World {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const r: Reader = new Reader(path, lc);
  const err = doc.errors[0];
  if (err) {
    const pos = lc.linePos(err.pos[0]);
    throw new InputError(path, err.message.split('\n')[0] ?? 'invalid YAML', pos.line, pos.col);
  }
  const root = doc.toJS({ maxAliasCount: 100 }) as unknown;
  const nodeAt = (p: Array<string | number>) => doc.getIn(p, true) as { range?: [number, number, number] } | undefined;
  if (!isObj(root)) r.fail('a world is a YAML mapping with name, clusters and steps');
  const str = (v: unknown, p: Array<string | number>, what: string): string => {
    if (typeof v !== 'string' || v === '') r.fail(`${p.join('.')}: expected ${what}`, nodeAt(p));
    return v;
  };
  const name = str(root['name'], ['name'], 'a name');
  const accounts = (Array.isArray(root['accounts']) ? root['accounts'] : [{ id: '111122223333' }]).map((a, i) => {
    if (!isObj(a)) r.fail(`accounts.${i}: expected { id, partition }`, nodeAt(['accounts', i]));
    const id = String(a['id'] ?? '');
    if (!/^\d{12}$/.test(id)) r.fail(`accounts.${i}.id: expected 12 digits (quote it in YAML), got ${JSON.stringify(a['id'])}`, nodeAt(['accounts', i, 'id']));
    const partition = (a['partition'] ?? 'aws') as Partition;
    if (!['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b'].includes(partition)) r.fail(`accounts.${i}.partition: unknown partition ${partition}`, nodeAt(['accounts', i, 'partition']));
    const q = a['quotas'];
    if (q === undefined) return { id, partition };
    if (!isObj(q)) r.fail(`accounts.${i}.quotas: expected { roles, customerPolicies }`, nodeAt(['accounts', i, 'quotas']));
    const quotas: AccountQuotas = {};
    for (const [k, v] of Object.entries(q)) {
      if (k !== 'roles' && k !== 'customerPolicies') r.fail(`accounts.${i}.quotas.${k}: unknown quota (roles, customerPolicies)`, nodeAt(['accounts', i, 'quotas', k]));
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 5000) r.fail(`accounts.${i}.quotas.${k}: expected an integer from 1 to 5000 (IAM's maximum)`, nodeAt(['accounts', i, 'quotas', k]));
      quotas[k] = v;
    }
    return { id, partition, quotas };
  });
  const home = accounts[0]!.id;
  const account = (v: unknown, p: Array<string | number>): string => {
    const id = v === undefined ? home : String(v);
    if (!accounts.some((a) => a.id === id)) r.fail(`${p.join('.')}: account ${id} is not declared under accounts`, nodeAt(p));
    return id;
  };
  if (!Array.isArray(root['clusters']) || root['clusters'].length === 0) r.fail('clusters: expected at least one cluster', nodeAt(['clusters']));
  const clusters: WorldCluster[] = (root['clusters'] as unknown[]).map((c, i) => {
    if (!isObj(c)) r.fail(`clusters.${i}: expected a mapping`, nodeAt(['clusters', i]));
    const issuer = (c['issuer'] ?? 'public') as WorldCluster['issuer'];
    if (!['public', 'private', 'none'].includes(issuer)) r.fail(`clusters.${i}.issuer: expected public, private or none`, nodeAt(['clusters', i, 'issuer']));
    const webhook = isObj(c['webhook']) ? c['webhook'] : {};
    return {
      name: str(c['name'], ['clusters', i, 'name'], 'a cluster name'),
      account: account(c['account'], ['clusters', i, 'account']),
      region: str(c['region'] ?? 'us-west-2', ['clusters', i, 'region'], 'a region'),
      version: String(c['version'] ?? '1.31'),
      issuer,
      jwksOnSeparateHost: c['jwksOnSeparateHost'] === true,
      privateEndpoint: c['privateEndpoint'] === true,
      webhook: { down: webhook['down'] === true, cacheMiss: webhook['cacheMiss'] === true, injectRegion: webhook['injectRegion'] !== false },
    };
  });
  const clusterName = (v: unknown, p: Array<string | number>): string => {
    const n = v === undefined ? clusters[0]!.name : String(v);
    if (!clusters.some((c) => c.name === n)) r.fail(`${p.join('.')}: cluster ${n} is not declared under clusters`, nodeAt(p));
    return n;
  };
  const steps: Step[] = (Array.isArray(root['steps']) ? root['steps'] : []).map((s, i): Step => {
    const p = ['steps', i];
    if (!isObj(s) || Object.keys(s).length !== 1) r.fail(`steps.${i}: expected one of provider, policy, role, apply, annotate, advance, webhook`, nodeAt(p));
    const [kind, body] = Object.entries(s)[0]!;
    const b = isObj(body) ? body : {};
    switch (kind) {
      case 'provider':
        return {
          provider: {
            account: account(b['account'], [...p, kind, 'account']),
            cluster: clusterName(b['cluster'], [...p, kind, 'cluster']),
            clientIds: Array.isArray(b['clientIds']) ? b['clientIds'].map(String) : ['sts.amazonaws.com'],
            thumbprints: Array.isArray(b['thumbprints']) ? b['thumbprints'].map(String) : 'auto',
            ...(typeof b['url'] === 'string' ? { url: b['url'] } : {}),
          },
        };
      case 'policy':
        if (!isObj(b['document'])) r.fail(`steps.${i}.policy.document: expected a policy document`, nodeAt([...p, kind]));
        return { policy: { account: account(b['account'], [...p, kind, 'account']), name: str(b['name'], [...p, kind, 'name'], 'a policy name'), document: b['document'] as Obj } };
      case 'role': {
        const irsa = isObj(b['irsa'])
          ? {
              cluster: clusterName(b['irsa']['cluster'], [...p, kind, 'irsa', 'cluster']),
              namespace: str(b['irsa']['namespace'], [...p, kind, 'irsa', 'namespace'], 'a namespace'),
              serviceAccount: str(b['irsa']['serviceAccount'], [...p, kind, 'irsa', 'serviceAccount'], 'a service account'),
              ...(typeof b['irsa']['audience'] === 'string' ? { audience: b['irsa']['audience'] } : {}),
              ...(b['irsa']['operator'] === 'StringLike' ? { operator: 'StringLike' as const } : {}),
            }
          : undefined;
        if (!irsa && !isObj(b['trust'])) r.fail(`steps.${i}.role: give irsa: {cluster, namespace, serviceAccount} or trust: <document>`, nodeAt([...p, kind]));
        const role: Extract<Step, { role: unknown }>['role'] = {
          account: account(b['account'], [...p, kind, 'account']),
          name: str(b['name'], [...p, kind, 'name'], 'a role name'),
          attach: Array.isArray(b['attach']) ? b['attach'].map(String) : [],
          inline: isObj(b['inline']) ? (b['inline'] as Record<string, Obj>) : {},
        };
        if (irsa) role.irsa = irsa;
        if (isObj(b['trust'])) role.trust = b['trust'];
        if (typeof b['maxSessionDuration'] === 'number') role.maxSessionDuration = b['maxSessionDuration'];
        return { role };
      }
      case 'apply': {
        const objects = Array.isArray(b['objects']) ? b['objects'] : undefined;
        if (!objects || !objects.every(isObj)) r.fail(`steps.${i}.apply.objects: expected a list of Kubernetes objects`, nodeAt([...p, kind]));
        return { apply: { cluster: clusterName(b['cluster'], [...p, kind, 'cluster']), objects: objects as Obj[] } };
      }
      case 'annotate': {
        const ann = isObj(b['annotations']) ? b['annotations'] : r.fail(`steps.${i}.annotate.annotations: expected a mapping`, nodeAt([...p, kind]));
        return {
          annotate: {
            cluster: clusterName(b['cluster'], [...p, kind, 'cluster']),
            namespace: str(b['namespace'], [...p, kind, 'namespace'], 'a namespace'),
            serviceAccount: str(b['serviceAccount'], [...p, kind, 'serviceAccount'], 'a service account'),
            annotations: Object.fromEntries(Object.entries(ann).map(([k, v]) => [k, v === null ? null : String(v)])),
          },
        };
      }
      case 'advance': {
        const m = DURATION.exec(String(body));
        if (!m) r.fail(`steps.${i}.advance: expected a duration like 30s, 10m, 2h or 3d`, nodeAt(p));
        return { advance: { ms: Number(m[1]) * UNIT[m[2]!]!, text: String(body) } };
      }
      case 'webhook':
        return { webhook: { cluster: clusterName(b['cluster'], [...p, kind, 'cluster']), down: b['down'] === true } };
      default:
        return r.fail(`steps.${i}: unknown step ${kind} (expected provider, policy, role, apply, annotate, advance, webhook)`, nodeAt(p));
    }
  });
  const world: World = {
    name,
    description: typeof root['description'] === 'string' ? root['description'].trim() : '',
    reproduces: Array.isArray(root['reproduces']) ? root['reproduces'].map(String) : [],
    expect: isObj(root['expect']) ? (root['expect'] as World['expect']) : {},
    accounts,
    clusters,
    steps,
    path,
  };
  if (typeof root['symptom'] === 'string') world.symptom = root['symptom'].trim();
  return world;
}

export function loadWorld(path: string): World {
  return parseWorld(readFileSync(path, 'utf8'), path);
}

export const WORLDS_DIR = new URL('../../worlds/', import.meta.url).pathname;

/** The worlds shipped with irsa-doctor (worlds/*.yaml), sorted by name. */
export function shippedWorlds(dir = WORLDS_DIR): World[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => loadWorld(join(dir, f)));
}

/** Resolves `--world X`: a path, or the name of a shipped world. */
export function findWorld(nameOrPath: string, dir = WORLDS_DIR): World {
  if (nameOrPath.includes('/') || nameOrPath.endsWith('.yaml')) return loadWorld(nameOrPath);
  const w = shippedWorlds(dir).find((x) => x.name === nameOrPath);
  if (!w) throw new InputError(nameOrPath, `no such world; \`irsa-doctor lab worlds\` lists them`);
  return w;
}
