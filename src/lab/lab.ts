// The whole lab: one CA, one clock, one fault/call-log, the IAM, STS and EKS endpoints, and per
// cluster an OIDC issuer and a Kubernetes API server; seeded from a world. `startLab` is what
// `irsa-doctor lab up`, the demo and the tests use.

import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabState, type LabCluster, type LabCredential } from './state.js';
import { LabClock } from './types.js';
import { Faults, serve, type FaultConfig, type RunningServer } from './http.js';
import { createLabPki, type LabPki } from './pki.js';
import { startIssuer, type IssuerBind, type RunningIssuer } from './issuer.js';
import { IamService } from './iam.js';
import { LabSts } from './sts.js';
import { EksService } from './eks.js';
import type { World, WorldCluster } from './world.js';
import { startKube, type RunningKube } from './kube-host.js';
import { applyWorld } from './apply.js';

export interface LabOptions {
  /** Seed from this world; without it, the `--empty` lab: one cluster, its issuer, `default`. */
  world?: World;
  faults?: FaultConfig;
  /** Where the issuers bind (default `auto`: 127.42.x.y:443 as root, else a loopback port). */
  issuerBind?: IssuerBind;
  /** Folder for the kubeconfig and CA files (default: a new temporary folder, removed on stop). */
  dir?: string;
}

export interface LabClusterHandle {
  world: WorldCluster;
  cluster: LabCluster;
  issuer?: RunningIssuer;
  kube: RunningKube;
}

export interface Lab {
  readonly state: LabState;
  readonly clock: LabClock;
  readonly faults: Faults;
  readonly pki: LabPki;
  readonly iam: RunningServer;
  readonly sts: RunningServer;
  readonly stsService: LabSts;
  readonly eks: RunningServer;
  readonly clusters: Map<string, LabClusterHandle>;
  /** Keys of the lab admin user of each account (the first is the home account's). */
  readonly adminKeys: Map<string, LabCredential>;
  readonly homeAccount: string;
  readonly region: string;
  readonly dir: string;
  readonly caPath: string;
  readonly kubeconfigPath: string;
  /** The variables that point any tool at the lab (KUBECONFIG, AWS_ENDPOINT_URL_*, keys, CA). */
  env(account?: string): Record<string, string>;
  /** `export K='V'` lines, for `source`. */
  envFile(account?: string): string;
  stop(): Promise<void>;
}

export const EMPTY_WORLD: World = {
  name: 'empty',
  description: 'One cluster with its OIDC issuer and a default namespace; no IAM state.',
  reproduces: [],
  expect: {},
  accounts: [{ id: '111122223333', partition: 'aws' }],
  clusters: [
    { name: 'lab', account: '111122223333', region: 'us-west-2', version: '1.31', issuer: 'public', jwksOnSeparateHost: false, privateEndpoint: false, webhook: { down: false, cacheMiss: false, injectRegion: true } },
  ],
  steps: [],
};

function shellQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  const world = opts.world ?? EMPTY_WORLD;
  const state = new LabState();
  const clock = new LabClock();
  // A world's story ends now: it starts as far in the past as its `advance` steps add up to, so
  // that tokens and timestamps agree with the clocks of the tools pointed at the lab.
  const story = world.steps.reduce((ms, s) => ms + ('advance' in s ? s.advance.ms : 0), 0);
  if (story > 0) clock.set(new Date(Date.now() - story));
  const faults = new Faults(opts.faults ?? {});
  const pki = await createLabPki();
  const ownDir = !opts.dir;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'irsa-lab-'));
  const caPath = join(dir, 'lab-ca.pem');
  writeFileSync(caPath, pki.caPem);
  const started: Array<{ close(): Promise<void> }> = [];
  try {
    for (const a of world.accounts) {
      const acc = state.account(a.id, a.partition);
      if (a.quotas) acc.quotas = { ...a.quotas };
    }
    const adminKeys = new Map<string, LabCredential>();
    for (const a of world.accounts) adminKeys.set(a.id, state.issueUserKeys(a.id));
    const homeAccount = world.accounts[0]!.id;

    // AWS endpoints: one leaf for 127.0.0.1 and localhost serves them all.
    const leaf = await pki.issueLeaf(['127.0.0.1', 'localhost']);
    const tlsOpts = { cert: leaf.chainPem, key: leaf.keyPem, faults };
    const issuers = new Map<string, RunningIssuer>();
    const stsService = new LabSts({
      state,
      clock,
      ca: pki.caPem,
      publiclyTrusted: (iss) => [...issuers.values()].some((i) => i.url === iss && i.issuer.publiclyTrusted),
    });
    const iamService = new IamService({ state, clock, allowProviderUrlPort: true });
    const eksService = new EksService({ state, clock });
    const iam = await serve(iamService, tlsOpts);
    started.push(iam);
    const sts = await serve(stsService, tlsOpts);
    started.push(sts);
    const eks = await serve(eksService, tlsOpts);
    started.push(eks);

    // Clusters: an issuer (unless `none`) and a Kubernetes API each.
    const clusters = new Map<string, LabClusterHandle>();
    for (const wc of world.clusters) {
      const partition = state.account(wc.account).partition;
      let issuer: RunningIssuer | undefined;
      if (wc.issuer !== 'none') {
        issuer = await startIssuer({ pki, clock, faults, bind: opts.issuerBind ?? 'auto', publiclyTrusted: wc.issuer === 'public', separateJwks: wc.jwksOnSeparateHost });
        started.push(issuer);
        issuers.set(wc.name, issuer);
      }
      const cluster: LabCluster = {
        name: wc.name,
        arn: `arn:${partition}:eks:${wc.region}:${wc.account}:cluster/${wc.name}`,
        region: wc.region,
        account: wc.account,
        version: wc.version,
        issuer: issuer?.url ?? '',
        endpoint: '',
        certificateAuthority: Buffer.from(pki.caPem).toString('base64'),
        status: 'ACTIVE',
        createdAt: clock.now(),
        endpointPublicAccess: !wc.privateEndpoint,
        endpointPrivateAccess: true,
        tags: {},
      };
      const kube = await startKube({ pki, clock, faults, cluster: wc, ...(issuer ? { signer: issuer.issuer } : {}) });
      started.push(kube);
      cluster.endpoint = kube.url;
      state.clusters.set(cluster.arn, cluster);
      clusters.set(wc.name, { world: wc, cluster, kube, ...(issuer ? { issuer } : {}) });
    }

    const kubeconfigPath = join(dir, 'kubeconfig');
    writeFileSync(kubeconfigPath, kubeconfigFor([...clusters.values()], pki.caPem), { mode: 0o600 });
    const region = world.clusters[0]!.region;

    const lab: Lab = {
      state,
      clock,
      faults,
      pki,
      iam,
      sts,
      stsService,
      eks,
      clusters,
      adminKeys,
      homeAccount,
      region,
      dir,
      caPath,
      kubeconfigPath,
      env(account = homeAccount) {
        const k = adminKeys.get(account);
        if (!k) throw new Error(`the lab has no account ${account}`);
        return {
          KUBECONFIG: kubeconfigPath,
          AWS_ENDPOINT_URL_IAM: iam.url,
          AWS_ENDPOINT_URL_STS: sts.url,
          AWS_ENDPOINT_URL_EKS: eks.url,
          AWS_REGION: region,
          AWS_DEFAULT_REGION: region,
          AWS_ACCESS_KEY_ID: k.accessKeyId,
          AWS_SECRET_ACCESS_KEY: k.secretAccessKey,
          AWS_CA_BUNDLE: caPath,
          NODE_EXTRA_CA_CERTS: caPath,
          AWS_EC2_METADATA_DISABLED: 'true',
        };
      },
      envFile(account) {
        return `${Object.entries(lab.env(account))
          .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
          .join('\n')}\n`;
      },
      async stop() {
        for (const s of started.reverse()) await s.close().catch(() => undefined);
        if (ownDir) rmSync(dir, { recursive: true, force: true });
      },
    };
    await applyWorld(lab, world);
    for (const c of clusters.values()) c.kube.api.warmListCache();
    return lab;
  } catch (e) {
    for (const s of started.reverse()) await s.close().catch(() => undefined);
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** A kubeconfig with one context per cluster, named like EKS contexts (the cluster ARN). */
export function kubeconfigFor(clusters: LabClusterHandle[], caPem: string): string {
  const ca = Buffer.from(caPem).toString('base64');
  const lines = ['apiVersion: v1', 'kind: Config', `current-context: ${JSON.stringify(clusters[0]?.cluster.arn ?? '')}`, 'clusters:'];
  for (const c of clusters) lines.push(`- name: ${JSON.stringify(c.cluster.arn)}`, '  cluster:', `    server: ${c.kube.url}`, `    certificate-authority-data: ${ca}`);
  lines.push('contexts:');
  for (const c of clusters) lines.push(`- name: ${JSON.stringify(c.cluster.arn)}`, '  context:', `    cluster: ${JSON.stringify(c.cluster.arn)}`, `    user: ${JSON.stringify(`${c.cluster.arn}-admin`)}`);
  lines.push('users:');
  for (const c of clusters) lines.push(`- name: ${JSON.stringify(`${c.cluster.arn}-admin`)}`, '  user:', `    token: ${c.kube.adminToken}`);
  return `${lines.join('\n')}\n`;
}
