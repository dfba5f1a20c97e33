// `kubectl exec POD -- env` output (article step 7), whole or filtered (`| grep AWS`), and
// .env-style files with the same `KEY=value` lines.
//
// Who the variables belong to: a `# pod: NS/NAME` comment line (or `# pod: NAME`), a
// `# container: NAME` comment line, a pasted `$ kubectl -n NS exec POD -c C -- env` prompt
// line, kubectl's `Defaulted container "C" out of: ...` notice, and otherwise `HOSTNAME`,
// which is the pod's name (unless the pod sets `hostname:` or uses `hostNetwork: true`, where
// it is the chosen hostname or the node's name: add a `# pod:` line then).
//
// Not env: lines must be `NAME=value` with NAME an environment variable name, the first line
// must be one (later lines that are not are the continuation of a value with newlines), no
// `NAME==value` (a requirements.txt pin), and the set must look like a container's
// environment: it names one of PATH, HOME, HOSTNAME, KUBERNETES_SERVICE_HOST or an AWS_*
// variable. So `.npmrc` or a Java `.properties` file is not taken for a pod's environment.

import type { EnvFact } from '../facts.js';
import type { Recogniser } from './types.js';
import { podRef, put, readPreamble } from './util.js';

const VAR = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;
const CONTAINER_MARKERS = new Set(['PATH', 'HOME', 'HOSTNAME', 'KUBERNETES_SERVICE_HOST']);

export interface ParsedEnv {
  vars: Record<string, string>;
  pod?: { namespace?: string; name: string; container?: string };
}

export function parseEnv(text: string): ParsedEnv | null {
  const { pod, body } = readPreamble(text);
  if (body.length === 0) return null;
  const vars: Record<string, string> = {};
  let last: string | undefined;
  for (const { text: line } of body) {
    const m = VAR.exec(line);
    if (!m) {
      if (last === undefined) return null;
      put(vars, last, `${vars[last] ?? ''}\n${line}`);
      continue;
    }
    const [, key, value] = m as unknown as [string, string, string];
    if (value.startsWith('=')) return null;
    put(vars, key, value);
    last = key;
  }
  const names = Object.keys(vars);
  if (!names.some((n) => CONTAINER_MARKERS.has(n) || n.startsWith('AWS_'))) return null;
  const out: ParsedEnv = { vars };
  const ref = podRef(pod, Object.prototype.hasOwnProperty.call(vars, 'HOSTNAME') ? vars['HOSTNAME'] : undefined);
  if (ref) out.pod = ref;
  return out;
}

export const execEnv: Recogniser = {
  format: 'kubectl exec -- env',
  reads: 'text',
  recognise(input, source) {
    const env = parseEnv(input.text);
    if (!env) return null;
    const fact: EnvFact = { kind: 'env', source, vars: env.vars };
    if (env.pod) fact.pod = env.pod;
    return [fact];
  },
};
