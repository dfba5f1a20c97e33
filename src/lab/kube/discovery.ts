// Discovery documents: legacy (/api APIVersions, /apis APIGroupList, /api/v1 and /apis/G/V
// APIResourceList) and aggregated (apidiscovery.k8s.io/v2 APIGroupDiscoveryList, what kubectl
// 1.26+ asks for first), plus the minimal OpenAPI v3 kubectl needs: `kubectl apply` asks
// /openapi/v3 whether each kind's PATCH takes `fieldValidation` (server-side validation;
// without it kubectl validates client-side against /openapi/v2 and fails). The PATCH request
// bodies list JSON, merge and apply patches but not strategic-merge: kubectl then computes
// strategic patches from its built-in types instead of from schemas the lab does not serve.

import { createHash } from 'node:crypto';
import { GROUPS, RESOURCES, apiVersionOf, storageVersionHash, type ResourceType } from './resources.js';

export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
export const AGGREGATED_V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/** What EKS's /version answers for a 1.32 cluster (`v1.32.3-eks-...`, minor `32+`). */
export function versionInfo(minorVersion: string): VersionInfo {
  const [maj, min] = minorVersion.split('.') as [string, string];
  return {
    major: maj,
    minor: `${min}+`,
    gitVersion: `v${maj}.${min}.3-eks-4096722`,
    gitCommit: '4096722a4a3b2d1e0f9c8b7a6d5e4f3a2b1c0d9e',
    gitTreeState: 'clean',
    buildDate: '2025-03-07T20:12:11Z',
    goVersion: 'go1.23.6',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupEntry(g: { name: string; version: string }): object {
  const gv = { groupVersion: `${g.name}/${g.version}`, version: g.version };
  return { name: g.name, versions: [gv], preferredVersion: gv };
}

export function apiGroupList(): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: GROUPS.map(groupEntry) };
}

export function apiGroup(name: string): object | undefined {
  const g = GROUPS.find((x) => x.name === name);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(g) } : undefined;
}

function resourcesOf(group: string, version: string): ResourceType[] {
  return RESOURCES.filter((r) => r.group === group && r.version === version).sort((a, b) => a.plural.localeCompare(b.plural));
}

export function apiResourceList(group: string, version: string): object | undefined {
  const rs = resourcesOf(group, version);
  if (!rs.length) return undefined;
  const resources: object[] = [];
  for (const r of rs) {
    const e: Record<string, unknown> = { name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs };
    if (r.shortNames.length) e['shortNames'] = r.shortNames;
    if (r.categories.length) e['categories'] = r.categories;
    if (!r.virtual) e['storageVersionHash'] = storageVersionHash(r);
    resources.push(e);
    for (const s of r.subresources) {
      const se: Record<string, unknown> = { name: `${r.plural}/${s.name}`, singularName: '', namespaced: r.namespaced };
      if (s.group !== undefined) {
        se['group'] = s.group;
        se['version'] = s.version;
      }
      se['kind'] = s.kind;
      se['verbs'] = s.verbs;
      resources.push(se);
    }
  }
  const out: Record<string, unknown> = { kind: 'APIResourceList' };
  if (group) out['apiVersion'] = 'v1';
  out['groupVersion'] = group ? `${group}/${version}` : version;
  out['resources'] = resources;
  return out;
}

function discoveryResource(r: ResourceType): object {
  const e: Record<string, unknown> = {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
  };
  if (r.shortNames.length) e['shortNames'] = r.shortNames;
  if (r.categories.length) e['categories'] = r.categories;
  if (r.subresources.length) {
    e['subresources'] = r.subresources.map((s) => ({
      subresource: s.name,
      responseKind: { group: s.group ?? r.group, version: s.version ?? r.version, kind: s.kind },
      verbs: s.verbs,
    }));
  }
  return e;
}

/** Aggregated discovery for /api (legacy core group) or /apis (every named group). */
export function aggregatedDiscovery(legacy: boolean, apiVersion: 'apidiscovery.k8s.io/v2' | 'apidiscovery.k8s.io/v2beta1'): object {
  const groups = legacy ? [{ name: '', version: 'v1' }] : GROUPS;
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion,
    metadata: {},
    items: groups.map((g) => ({
      metadata: g.name ? { name: g.name, creationTimestamp: null } : { creationTimestamp: null },
      versions: [{ version: g.version, resources: resourcesOf(g.name, g.version).map(discoveryResource), freshness: 'Current' }],
    })),
  };
}

// --- OpenAPI v3 --------------------------------------------------------------------------------

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export function openApiGroupVersions(): Array<{ group: string; version: string; path: string }> {
  return [{ name: '', version: 'v1' }, ...GROUPS].map((g) => ({ group: g.name, version: g.version, path: gvPath(g.name, g.version) }));
}

const QUERY = (name: string, description: string) => ({ name, in: 'query', description, schema: { type: 'string', uniqueItems: true } });

/** The OpenAPI v3 document of one group/version: its paths and operations, no schemas. */
export function openApiDocument(group: string, version: string, gitVersion: string): object | undefined {
  const rs = resourcesOf(group, version).filter((r) => !r.virtual);
  const virtual = resourcesOf(group, version).filter((r) => r.virtual);
  if (!rs.length && !virtual.length) return undefined;
  const prefix = `/${gvPath(group, version)}`;
  const paths: Record<string, object> = {};
  const opId = (verb: string, r: ResourceType, namespaced: boolean) =>
    `${verb}${(group ? group.split('.')[0]! : 'core').replace(/^./, (c) => c.toUpperCase())}${version.replace(/^./, (c) => c.toUpperCase())}${namespaced ? 'Namespaced' : ''}${r.kind}`;
  const gvk = (r: ResourceType) => ({ group: r.group, version: r.version, kind: r.kind });
  const json = { 'application/json': { schema: { type: 'object' } } };
  for (const r of rs) {
    const item = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}/{name}` : `${prefix}/${r.plural}/{name}`;
    const coll = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
    const params = [
      { name: 'name', in: 'path', description: `name of the ${r.kind}`, required: true, schema: { type: 'string', uniqueItems: true } },
      ...(r.namespaced ? [{ name: 'namespace', in: 'path', description: 'object name and auth scope, such as for teams and projects', required: true, schema: { type: 'string', uniqueItems: true } }] : []),
    ];
    paths[item] = {
      get: { operationId: opId('read', r, r.namespaced), 'x-kubernetes-action': 'get', 'x-kubernetes-group-version-kind': gvk(r), responses: { '200': { description: 'OK', content: json } } },
      put: {
        operationId: opId('replace', r, r.namespaced),
        'x-kubernetes-action': 'put',
        'x-kubernetes-group-version-kind': gvk(r),
        parameters: [QUERY('dryRun', 'When present, indicates that modifications should not be persisted.'), QUERY('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'), QUERY('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.')],
        requestBody: { content: { '*/*': { schema: { type: 'object' } } }, required: true },
        responses: { '200': { description: 'OK', content: json } },
      },
      patch: {
        operationId: opId('patch', r, r.namespaced),
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': gvk(r),
        parameters: [
          QUERY('dryRun', 'When present, indicates that modifications should not be persisted.'),
          QUERY('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
          QUERY('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.'),
          { name: 'force', in: 'query', description: 'Force is going to "force" Apply requests.', schema: { type: 'boolean', uniqueItems: true } },
        ],
        requestBody: {
          content: {
            'application/apply-patch+yaml': { schema: { type: 'object' } },
            'application/json-patch+json': { schema: { type: 'object' } },
            'application/merge-patch+json': { schema: { type: 'object' } },
          },
          required: true,
        },
        responses: { '200': { description: 'OK', content: json }, '201': { description: 'Created', content: json } },
      },
      delete: { operationId: opId('delete', r, r.namespaced), 'x-kubernetes-action': 'delete', 'x-kubernetes-group-version-kind': gvk(r), responses: { '200': { description: 'OK', content: json } } },
      parameters: params,
    };
    paths[coll] = {
      get: { operationId: opId('list', r, r.namespaced), 'x-kubernetes-action': 'list', 'x-kubernetes-group-version-kind': gvk(r), responses: { '200': { description: 'OK', content: json } } },
      post: {
        operationId: opId('create', r, r.namespaced),
        'x-kubernetes-action': 'post',
        'x-kubernetes-group-version-kind': gvk(r),
        parameters: [QUERY('dryRun', 'When present, indicates that modifications should not be persisted.'), QUERY('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'), QUERY('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.')],
        requestBody: { content: { '*/*': { schema: { type: 'object' } } }, required: true },
        responses: { '200': { description: 'OK', content: json }, '201': { description: 'Created', content: json }, '202': { description: 'Accepted', content: json } },
      },
      ...(r.namespaced ? { parameters: [params[1]] } : {}),
    };
  }
  for (const r of virtual) {
    paths[`${prefix}/${r.plural}`] = {
      post: { operationId: opId('create', r, false), 'x-kubernetes-action': 'post', 'x-kubernetes-group-version-kind': gvk(r), requestBody: { content: { '*/*': { schema: { type: 'object' } } }, required: true }, responses: { '201': { description: 'Created', content: json } } },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: gitVersion }, paths, components: { schemas: {}, securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } } } };
}

export function openApiIndex(docHash: (path: string) => string): object {
  const paths: Record<string, object> = {};
  for (const gv of openApiGroupVersions()) paths[gv.path] = { serverRelativeURL: `/openapi/v3/${gv.path}?hash=${docHash(gv.path)}` };
  return { paths };
}

export function hashOf(body: string): string {
  return createHash('sha512').update(body).digest('hex').toUpperCase();
}

export { apiVersionOf };
