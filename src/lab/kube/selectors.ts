// Label selectors (the `labelSelector` query syntax and metav1.LabelSelector objects) and field
// selectors, with the field labels each resource supports (pkg/registry/*/strategy.go
// GetAttrs / ToSelectableFields).

import { badRequest } from './errors.js';
import { isObject, type JsonObject } from './patch.js';

type Requirement = { key: string; op: 'in' | 'notin' | 'exists' | '!' | '=' | '!='; values: string[] };

export type LabelPredicate = (labels: Record<string, string>) => boolean;

function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter(Boolean);
}

export function parseLabelSelector(s: string): LabelPredicate {
  const reqs: Requirement[] = [];
  for (const part of splitTop(s)) {
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      reqs.push({ key: m[1]!, op: m[2] as 'in' | 'notin', values: m[3]!.split(',').map((x) => x.trim()).filter((x) => x !== '' || m![3]!.trim() === '') });
    } else if ((m = part.match(/^!\s*([\w./-]+)$/))) reqs.push({ key: m[1]!, op: '!', values: [] });
    else if ((m = part.match(/^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/))) reqs.push({ key: m[1]!, op: m[2] === '!=' ? '!=' : '=', values: [m[3]!] });
    else if ((m = part.match(/^([\w./-]+)$/))) reqs.push({ key: m[1]!, op: 'exists', values: [] });
    else throw badRequest(`unable to parse requirement: found '${part}', expected: identifier`);
  }
  return (labels) =>
    reqs.every((r) => {
      const has = Object.prototype.hasOwnProperty.call(labels, r.key);
      const v = labels[r.key];
      switch (r.op) {
        case 'exists':
          return has;
        case '!':
          return !has;
        case '=':
        case 'in':
          return has && r.values.includes(v!);
        case '!=':
        case 'notin':
          return !has || !r.values.includes(v!);
      }
    });
}

/** metav1.LabelSelector: matchLabels AND matchExpressions. An empty selector matches everything. */
export function labelSelectorMatches(sel: unknown, labels: Record<string, string>): boolean {
  if (!isObject(sel)) return false;
  const ml = isObject(sel['matchLabels']) ? (sel['matchLabels'] as Record<string, string>) : {};
  for (const [k, v] of Object.entries(ml)) if (labels[k] !== v) return false;
  const exprs = Array.isArray(sel['matchExpressions']) ? sel['matchExpressions'] : [];
  for (const e of exprs) {
    if (!isObject(e)) return false;
    const key = String(e['key']);
    const values = Array.isArray(e['values']) ? (e['values'] as string[]) : [];
    const has = key in labels;
    switch (e['operator']) {
      case 'In':
        if (!has || !values.includes(labels[key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** The selector as `kubectl get -o wide` shows it: `app=web,tier in (a,b)`. */
export function formatLabelSelector(sel: unknown): string {
  if (!isObject(sel)) return '<none>';
  const parts: string[] = [];
  const ml = isObject(sel['matchLabels']) ? (sel['matchLabels'] as Record<string, string>) : {};
  for (const k of Object.keys(ml).sort()) parts.push(`${k}=${ml[k]}`);
  for (const e of Array.isArray(sel['matchExpressions']) ? sel['matchExpressions'] : []) {
    if (!isObject(e)) continue;
    const vals = Array.isArray(e['values']) ? (e['values'] as string[]).slice().sort().join(',') : '';
    switch (e['operator']) {
      case 'In':
        parts.push(`${e['key']} in (${vals})`);
        break;
      case 'NotIn':
        parts.push(`${e['key']} notin (${vals})`);
        break;
      case 'Exists':
        parts.push(String(e['key']));
        break;
      case 'DoesNotExist':
        parts.push(`!${e['key']}`);
        break;
    }
  }
  return parts.length ? parts.join(',') : '<none>';
}

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
function path(o: JsonObject, p: string): unknown {
  let cur: unknown = o;
  for (const k of p.split('.')) cur = isObject(cur) ? cur[k] : undefined;
  return cur;
}

const FIELD_LABELS: Record<string, string[]> = {
  pods: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  events: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  secrets: ['type'],
  namespaces: ['status.phase'],
  nodes: ['spec.unschedulable'],
  replicasets: ['status.replicas'],
  jobs: ['status.successful'],
};

export type ObjectPredicate = (o: JsonObject) => boolean;

export function parseFieldSelector(resource: string, s: string): ObjectPredicate {
  const reqs: Array<{ field: string; neq: boolean; value: string }> = [];
  for (const part of s.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = part.match(/^([\w.]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const field = m[1]!;
    if (field !== 'metadata.name' && field !== 'metadata.namespace' && !(FIELD_LABELS[resource] ?? []).includes(field)) {
      throw badRequest(`field label not supported: ${field}`);
    }
    reqs.push({ field, neq: m[2] === '!=', value: m[3]! });
  }
  return (o) =>
    reqs.every((r) => {
      let v: unknown;
      if (r.field === 'source') v = path(o, 'source.component');
      else if (r.field === 'spec.hostNetwork') v = path(o, r.field) === true ? 'true' : 'false';
      else if (r.field === 'spec.unschedulable') v = path(o, r.field) === true ? 'true' : 'false';
      else v = path(o, r.field);
      return r.neq ? str(v) !== r.value : str(v) === r.value;
    });
}
