// One cluster's Kubernetes API as the lab runs it: the API server started over HTTPS with the
// webhook configured from the world, and the few seeding verbs worlds use.

import type { LabPki } from './pki.js';
import type { Faults } from './http.js';
import type { Clock, TokenSigner } from './types.js';
import type { WorldCluster } from './world.js';
import { startKubeApi, type RunningKubeApi } from './kube/serve.js';
import type { KubeApi } from './kube/api.js';

export interface RunningKube {
  readonly url: string;
  readonly adminToken: string;
  readonly api: KubeApi;
  readonly running: RunningKubeApi;
  /** Creates an object as `manager` would (kubectl apply: last-applied annotation kept). */
  apply(obj: Record<string, unknown>, manager: string): Promise<void>;
  annotate(namespace: string, serviceAccount: string, annotations: Record<string, string | null>, manager: string): Promise<void>;
  setWebhookDown(down: boolean): void;
  /** Lets the controller finish (ReplicaSets, pods). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface StartKubeOptions {
  pki: LabPki;
  clock: Clock;
  faults: Faults;
  cluster: WorldCluster;
  signer?: TokenSigner;
}

function minorOf(version: string): number {
  const m = /^v?1\.(\d+)/.exec(version);
  return m ? Number(m[1]) : 99;
}

export async function startKube(o: StartKubeOptions): Promise<RunningKube> {
  const c = o.cluster;
  const running = await startKubeApi({
    pki: o.pki,
    faults: o.faults,
    clock: o.clock,
    ...(o.signer ? { signer: o.signer } : {}),
    region: c.region,
    kubernetesVersion: c.version,
    webhook: {
      enabled: !c.webhook.down,
      // EKS runs the webhook with the cluster's region, and regional STS by default since 1.22.
      ...(c.webhook.injectRegion ? { defaultRegion: c.region } : { defaultRegion: '' }),
      regionalStsDefault: minorOf(c.version) >= 22,
      ...(c.webhook.cacheMiss ? { cacheMiss: { pods: 1 } } : {}),
    },
  });
  const api = running.api;
  const ensureNamespace = (ns: string | undefined) => {
    if (!ns || api.engine.store.get('namespaces', ns)) return;
    api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, { manager: 'kubectl-create' });
  };
  return {
    url: running.url,
    adminToken: running.adminToken,
    api,
    running,
    async apply(obj, manager) {
      const meta = (obj['metadata'] ?? {}) as { namespace?: string };
      if (obj['kind'] !== 'Namespace') ensureNamespace(meta.namespace ?? 'default');
      api.create(obj as Parameters<KubeApi['create']>[0], { manager, lastApplied: true });
      api.flush();
    },
    async annotate(namespace, serviceAccount, annotations, manager) {
      api.annotate({ apiVersion: 'v1', kind: 'ServiceAccount', name: serviceAccount, namespace }, annotations, manager);
      api.flush();
    },
    setWebhookDown(down) {
      api.engine.webhook.enabled = !down;
    },
    async settle() {
      api.flush();
    },
    close: () => running.close(),
  };
}
