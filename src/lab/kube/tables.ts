// Server-side printing: the meta.k8s.io/v1 Table that `kubectl get` asks for (Accept
// `as=Table`), with the columns of pkg/printers/internalversion/printers.go for each kind and
// ages from the lab clock (k8s.io/apimachinery/pkg/util/duration.HumanDuration).

import { isObject, type JsonObject } from './patch.js';
import { formatLabelSelector } from './selectors.js';

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  format?: string;
  description: string;
  priority?: number;
}

const NAME: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names' };
const AGE: Column = { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata' };
const wide = (name: string, description: string, type: Column['type'] = 'string'): Column => ({ name, type, description, priority: 1 });
const col = (name: string, description: string, type: Column['type'] = 'string'): Column => ({ name, type, description });

const CONTAINERS = wide('Containers', 'Names of each container in the template.');
const IMAGES = wide('Images', 'Images referenced by each container in the template.');
const SELECTOR = wide('Selector', 'The label selector used to identify the pods.');

export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

const m = (o: JsonObject): JsonObject => (isObject(o['metadata']) ? o['metadata'] : {});
const sp = (o: JsonObject): JsonObject => (isObject(o['spec']) ? o['spec'] : {});
const st = (o: JsonObject): JsonObject => (isObject(o['status']) ? o['status'] : {});
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function template(o: JsonObject): JsonObject {
  const s = sp(o);
  if (o['kind'] === 'CronJob') {
    const jt = isObject(s['jobTemplate']) ? s['jobTemplate'] : {};
    const js = isObject(jt['spec']) ? jt['spec'] : {};
    return isObject(js['template']) ? js['template'] : {};
  }
  return isObject(s['template']) ? s['template'] : {};
}

function containersAndImages(o: JsonObject): [string, string] {
  const ts = isObject(template(o)['spec']) ? (template(o)['spec'] as JsonObject) : {};
  const cs = Array.isArray(ts['containers']) ? (ts['containers'] as JsonObject[]) : [];
  return [cs.map((c) => String(c['name'])).join(','), cs.map((c) => String(c['image'])).join(',')];
}

function podStatusReason(p: JsonObject): string {
  const s = st(p);
  let reason = String(s['reason'] ?? s['phase'] ?? 'Pending');
  const cs = Array.isArray(s['containerStatuses']) ? (s['containerStatuses'] as JsonObject[]) : [];
  for (const c of cs) {
    const state = isObject(c['state']) ? c['state'] : {};
    if (isObject(state['waiting']) && state['waiting']['reason']) reason = String(state['waiting']['reason']);
    else if (isObject(state['terminated']) && state['terminated']['reason']) reason = String(state['terminated']['reason']);
  }
  const conds = Array.isArray(s['conditions']) ? (s['conditions'] as JsonObject[]) : [];
  if (s['phase'] === 'Pending' && conds.some((c) => c['type'] === 'PodScheduled' && c['status'] === 'False')) reason = 'Pending';
  if (m(p)['deletionTimestamp'] !== undefined) reason = 'Terminating';
  return reason;
}

interface Printer {
  columns: Column[];
  cells(o: JsonObject, age: string, now: number): unknown[];
}

const PRINTERS: Record<string, Printer> = {
  Pod: {
    columns: [
      NAME,
      col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
      AGE,
      wide('IP', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
      wide('Node', 'NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.'),
      wide('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.'),
      wide('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.'),
    ],
    cells(p, age) {
      const s = st(p);
      const cs = Array.isArray(s['containerStatuses']) ? (s['containerStatuses'] as JsonObject[]) : [];
      const total = Array.isArray(sp(p)['containers']) ? (sp(p)['containers'] as unknown[]).length : 0;
      const ready = cs.filter((c) => c['ready'] === true).length;
      const restarts = cs.reduce((n, c) => n + num(c['restartCount']), 0);
      return [m(p)['name'], `${ready}/${total}`, podStatusReason(p), String(restarts), age, s['podIP'] ?? '<none>', sp(p)['nodeName'] ?? '<none>', s['nominatedNodeName'] ?? '<none>', '<none>'];
    },
  },
  Deployment: {
    columns: [
      NAME,
      col('Ready', 'Number of the pod with ready state'),
      col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', 'integer'),
      col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', 'integer'),
      AGE,
      CONTAINERS,
      IMAGES,
      SELECTOR,
    ],
    cells(o, age) {
      const [c, i] = containersAndImages(o);
      return [m(o)['name'], `${num(st(o)['readyReplicas'])}/${num(sp(o)['replicas'])}`, num(st(o)['updatedReplicas']), num(st(o)['availableReplicas']), age, c, i, formatLabelSelector(sp(o)['selector'])];
    },
  },
  ReplicaSet: {
    columns: [
      NAME,
      col('Desired', 'Replicas is the number of desired replicas.', 'integer'),
      col('Current', 'Replicas is the most recently observed number of replicas.', 'integer'),
      col('Ready', 'The number of ready replicas for this replica set.', 'integer'),
      AGE,
      CONTAINERS,
      IMAGES,
      SELECTOR,
    ],
    cells(o, age) {
      const [c, i] = containersAndImages(o);
      return [m(o)['name'], num(sp(o)['replicas']), num(st(o)['replicas']), num(st(o)['readyReplicas']), age, c, i, formatLabelSelector(sp(o)['selector'])];
    },
  },
  StatefulSet: {
    columns: [NAME, col('Ready', 'Number of the pod with ready state'), AGE, CONTAINERS, IMAGES],
    cells(o, age) {
      const [c, i] = containersAndImages(o);
      return [m(o)['name'], `${num(st(o)['readyReplicas'])}/${num(sp(o)['replicas'])}`, age, c, i];
    },
  },
  DaemonSet: {
    columns: [
      NAME,
      col('Desired', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).', 'integer'),
      col('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', 'integer'),
      col('Ready', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.', 'integer'),
      col('Up-to-date', 'The total number of nodes that are running updated daemon pod', 'integer'),
      col('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)', 'integer'),
      col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node\'s labels for the pod to be scheduled on that node.'),
      AGE,
      CONTAINERS,
      IMAGES,
      SELECTOR,
    ],
    cells(o, age) {
      const [c, i] = containersAndImages(o);
      const ts = isObject(template(o)['spec']) ? (template(o)['spec'] as JsonObject) : {};
      const ns = isObject(ts['nodeSelector']) ? Object.entries(ts['nodeSelector']).map(([k, v]) => `${k}=${String(v)}`).join(',') : '';
      const s = st(o);
      return [m(o)['name'], num(s['desiredNumberScheduled']), num(s['currentNumberScheduled']), num(s['numberReady']), num(s['updatedNumberScheduled']), num(s['numberAvailable']), ns || '<none>', age, c, i, formatLabelSelector(sp(o)['selector'])];
    },
  },
  Job: {
    columns: [
      NAME,
      col('Status', 'Status of the job.'),
      col('Completions', 'The completion status of the job.'),
      col('Duration', 'Time required to complete the job.'),
      AGE,
      CONTAINERS,
      IMAGES,
      SELECTOR,
    ],
    cells(o, age, now) {
      const [c, i] = containersAndImages(o);
      const s = st(o);
      const completions = typeof sp(o)['completions'] === 'number' ? `${num(s['succeeded'])}/${num(sp(o)['completions'])}` : `${num(s['succeeded'])}/1 of ${num(sp(o)['parallelism'])}`;
      const start = typeof s['startTime'] === 'string' ? Date.parse(s['startTime']) : undefined;
      const end = typeof s['completionTime'] === 'string' ? Date.parse(s['completionTime']) : now;
      const status = sp(o)['suspend'] === true ? 'Suspended' : s['completionTime'] ? 'Complete' : 'Running';
      return [m(o)['name'], status, completions, start === undefined ? '' : humanDuration(end - start), age, c, i, formatLabelSelector(sp(o)['selector'])];
    },
  },
  CronJob: {
    columns: [
      NAME,
      col('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
      col('Timezone', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
      col('Suspend', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.'),
      col('Active', 'A list of pointers to currently running jobs.', 'integer'),
      col('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
      AGE,
      CONTAINERS,
      IMAGES,
      SELECTOR,
    ],
    cells(o, age, now) {
      const [c, i] = containersAndImages(o);
      const s = st(o);
      const last = typeof s['lastScheduleTime'] === 'string' ? humanDuration(now - Date.parse(s['lastScheduleTime'])) : '<none>';
      return [m(o)['name'], sp(o)['schedule'], sp(o)['timeZone'] ?? '<none>', sp(o)['suspend'] === true ? 'True' : 'False', Array.isArray(s['active']) ? s['active'].length : 0, last, age, c, i, '<none>'];
    },
  },
  ServiceAccount: {
    columns: [NAME, col('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.', 'integer'), AGE],
    cells: (o, age) => [m(o)['name'], Array.isArray(o['secrets']) ? o['secrets'].length : 0, age],
  },
  Namespace: {
    columns: [NAME, col('Status', 'The status of the namespace'), AGE],
    cells: (o, age) => [m(o)['name'], st(o)['phase'] ?? 'Active', age],
  },
  Node: {
    columns: [
      NAME,
      col('Status', 'The status of the node'),
      col('Roles', 'The roles of the node'),
      AGE,
      col('Version', 'Kubelet Version reported by the node.'),
      wide('Internal-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.'),
      wide('External-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.'),
      wide('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).'),
      wide('Kernel-Version', 'Kernel Version reported by the node from \'uname -r\' (e.g. 3.16.0-0.bpo.4-amd64).'),
      wide('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).'),
    ],
    cells(o, age) {
      const s = st(o);
      const conds = Array.isArray(s['conditions']) ? (s['conditions'] as JsonObject[]) : [];
      const ready = conds.find((c) => c['type'] === 'Ready');
      const addrs = Array.isArray(s['addresses']) ? (s['addresses'] as JsonObject[]) : [];
      const info = isObject(s['nodeInfo']) ? s['nodeInfo'] : {};
      return [
        m(o)['name'],
        ready?.['status'] === 'True' ? 'Ready' : 'NotReady',
        '<none>',
        age,
        info['kubeletVersion'] ?? '',
        addrs.find((a) => a['type'] === 'InternalIP')?.['address'] ?? '<none>',
        addrs.find((a) => a['type'] === 'ExternalIP')?.['address'] ?? '<none>',
        info['osImage'] ?? '<unknown>',
        info['kernelVersion'] ?? '<unknown>',
        info['containerRuntimeVersion'] ?? '<unknown>',
      ];
    },
  },
  Secret: {
    columns: [NAME, col('Type', 'The type of the secret'), col('Data', 'The number of entries in the secret', 'integer'), AGE],
    cells: (o, age) => [m(o)['name'], o['type'] ?? 'Opaque', isObject(o['data']) ? Object.keys(o['data']).length : 0, age],
  },
  ConfigMap: {
    columns: [NAME, col('Data', 'The number of entries in the configmap', 'integer'), AGE],
    cells: (o, age) => [m(o)['name'], (isObject(o['data']) ? Object.keys(o['data']).length : 0) + (isObject(o['binaryData']) ? Object.keys(o['binaryData']).length : 0), age],
  },
  Event: {
    columns: [
      col('Last Seen', 'Time when last event occurred'),
      col('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
      col('Reason', 'This should be a short, machine understandable string that gives the reason for this event being generated.'),
      col('Object', 'The object that this event is about.'),
      wide('Subobject', 'The subobject that this event is about.'),
      wide('Source', 'The component reporting this event. Should be a short machine understandable string.'),
      col('Message', 'A human-readable description of the status of this operation.'),
      wide('First Seen', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)'),
      wide('Count', 'The number of times this event has occurred.', 'integer'),
      { ...wide('Name', NAME.description), format: 'name' },
    ],
    cells(o, _age, now) {
      const io = isObject(o['involvedObject']) ? o['involvedObject'] : {};
      const last = typeof o['lastTimestamp'] === 'string' ? humanDuration(now - Date.parse(o['lastTimestamp'])) : '<unknown>';
      const first = typeof o['firstTimestamp'] === 'string' ? humanDuration(now - Date.parse(o['firstTimestamp'])) : '<unknown>';
      const src = isObject(o['source']) ? o['source'] : {};
      return [last, o['type'] ?? '', o['reason'] ?? '', `${String(io['kind'] ?? '').toLowerCase()}/${String(io['name'] ?? '')}`, io['fieldPath'] ?? '', `${String(src['component'] ?? '')}${src['host'] ? `, ${String(src['host'])}` : ''}`, o['message'] ?? '', first, num(o['count']), m(o)['name']];
    },
  },
};

const DEFAULT: Printer = { columns: [NAME, AGE], cells: (o, age) => [m(o)['name'], age] };

export function toTable(objects: JsonObject[], kind: string, apiVersion: string, now: number, includeObject: string, listMeta: JsonObject): object {
  const p = PRINTERS[kind] ?? DEFAULT;
  const rows = objects.map((o) => {
    const created = typeof m(o)['creationTimestamp'] === 'string' ? Date.parse(m(o)['creationTimestamp'] as string) : now;
    const row: Record<string, unknown> = { cells: p.cells(o, humanDuration(now - created), now) };
    if (includeObject === 'Object') row['object'] = { ...o, apiVersion, kind };
    else if (includeObject !== 'None') row['object'] = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: m(o) };
    return row;
  });
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: listMeta, columnDefinitions: p.columns.map((c) => ({ priority: 0, format: '', ...c })), rows };
}
