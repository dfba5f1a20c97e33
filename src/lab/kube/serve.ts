// Starts a KubeApi over HTTPS on 127.0.0.1 with a leaf from the lab CA: the one-call way to
// get a running lab API server (tests, `lab up`).

import { Faults, serve, type RunningServer } from '../http.js';
import type { LabPki } from '../pki.js';
import { KubeApi, type KubeApiOptions } from './api.js';
import { kubeconfigYaml, type KubeconfigOptions } from './kubeconfig.js';

export interface RunningKubeApi {
  api: KubeApi;
  server: RunningServer;
  url: string;
  /** The admin user's bearer token. */
  adminToken: string;
  /** A kubeconfig for this server; `token` defaults to the admin's. */
  kubeconfig(o: Omit<KubeconfigOptions, 'server' | 'caPem'> & { token?: string }): string;
  close(): Promise<void>;
}

export async function startKubeApi(opts: KubeApiOptions & { pki: LabPki; faults?: Faults; host?: string; port?: number }): Promise<RunningKubeApi> {
  const { pki, faults, host, port, ...apiOpts } = opts;
  const api = new KubeApi({ caPem: pki.caPem, ...apiOpts });
  const leaf = await pki.issueLeaf([host ?? '127.0.0.1', 'localhost', 'kubernetes', 'kubernetes.default.svc']);
  const server = await serve(api, { cert: leaf.chainPem, key: leaf.keyPem, faults: faults ?? new Faults(), host: host ?? '127.0.0.1', ...(port !== undefined ? { port } : {}) });
  api.serverAddress = `${server.host}:${server.port}`;
  return {
    api,
    server,
    url: server.url,
    adminToken: api.admin.token,
    kubeconfig: (o) => kubeconfigYaml({ ...o, server: server.url, caPem: pki.caPem, ...(o.exec ? {} : { token: o.token ?? api.admin.token }) }),
    close: async () => {
      api.close();
      await server.close();
    },
  };
}
