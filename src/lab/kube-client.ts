// A small JSON client for the lab's Kubernetes API, used to seed worlds over the wire (the same
// way kubectl would), so seeding exercises the real API: admission, the controller, managedFields.

import { request } from 'node:https';

export interface KubeTarget {
  server: string;
  token: string;
  ca: string;
}

export interface KindInfo {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

export const KINDS: Record<string, KindInfo> = {
  Namespace: { group: '', version: 'v1', plural: 'namespaces', namespaced: false },
  ServiceAccount: { group: '', version: 'v1', plural: 'serviceaccounts', namespaced: true },
  Pod: { group: '', version: 'v1', plural: 'pods', namespaced: true },
  Secret: { group: '', version: 'v1', plural: 'secrets', namespaced: true },
  ConfigMap: { group: '', version: 'v1', plural: 'configmaps', namespaced: true },
  Deployment: { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true },
  ReplicaSet: { group: 'apps', version: 'v1', plural: 'replicasets', namespaced: true },
  StatefulSet: { group: 'apps', version: 'v1', plural: 'statefulsets', namespaced: true },
  DaemonSet: { group: 'apps', version: 'v1', plural: 'daemonsets', namespaced: true },
  Job: { group: 'batch', version: 'v1', plural: 'jobs', namespaced: true },
  CronJob: { group: 'batch', version: 'v1', plural: 'cronjobs', namespaced: true },
};

export class KubeError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeError';
  }
}

export function collectionPath(kind: string, namespace: string | undefined): string {
  const k = KINDS[kind];
  if (!k) throw new Error(`the lab does not know kind ${kind}`);
  const base = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  return k.namespaced ? `${base}/namespaces/${namespace ?? 'default'}/${k.plural}` : `${base}/${k.plural}`;
}

export async function kubeRequest<T = Record<string, unknown>>(
  target: KubeTarget,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
  userAgent = 'irsa-doctor-lab/seed',
): Promise<T> {
  const url = new URL(path, target.server);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise<T>((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: target.ca,
        headers: {
          authorization: `Bearer ${target.token}`,
          accept: 'application/json',
          'user-agent': userAgent,
          ...(payload ? { 'content-type': contentType, 'content-length': String(payload.length) } : {}),
        },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300) {
            let message = text;
            try {
              message = (JSON.parse(text) as { message?: string }).message ?? text;
            } catch {
              /* not JSON */
            }
            reject(new KubeError(res.statusCode ?? 0, text, `${method} ${path}: ${res.statusCode} ${message}`));
            return;
          }
          try {
            resolve((text ? JSON.parse(text) : {}) as T);
          } catch (e) {
            reject(e);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}
