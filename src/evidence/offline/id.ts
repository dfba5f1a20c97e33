// `kubectl exec POD -- id` output (article step 9): `uid=1000(app) gid=1000(app)
// groups=1000(app),2000`, or without names (`uid=1000 gid=1000 groups=1000`, busybox or a
// user without a passwd entry), possibly followed by an SELinux `context=...`. Who it is
// about: the same `# pod: NS/NAME` / `# container: NAME` comment lines and pasted prompt
// line as env.ts (`id` has no HOSTNAME to fall back on).

import { InputError } from '../facts.js';
import type { IdFact } from '../facts.js';
import type { Recogniser } from './types.js';
import { podRef, readPreamble } from './util.js';

const ID = /^uid=(\d+)(?:\(([^)]*)\))?\s+gid=(\d+)(?:\(([^)]*)\))?(?:\s+groups=(.*?))?(?:\s+context=\S+)?$/;
const GROUP = /^(\d+)(?:\([^)]*\))?$/;
const MAX_ID = 2 ** 32 - 1;

export interface ParsedId {
  uid: number;
  gid: number;
  groups: number[];
  user?: string;
  pod?: { namespace?: string; name: string; container?: string };
}

/** Null when the text is not `id` output; InputError when it is, with an impossible id. */
export function parseId(text: string, path: string): ParsedId | null {
  const { pod, body } = readPreamble(text);
  if (body.length !== 1) return null;
  const line = body[0]!;
  const m = ID.exec(line.text.trim());
  if (!m) return null;
  const groups: number[] = [];
  for (const g of (m[5] ?? '').split(',')) {
    if (g === '') continue;
    const gm = GROUP.exec(g.trim());
    if (!gm) return null;
    groups.push(Number(gm[1]));
  }
  const uid = Number(m[1]);
  const gid = Number(m[3]);
  for (const [what, n] of [['uid', uid], ['gid', gid], ...groups.map((g) => ['group', g] as const)] as const) {
    if (!Number.isSafeInteger(n) || n > MAX_ID) throw new InputError(path, `${what} ${n} is not a valid id (0 to ${MAX_ID})`, line.line);
  }
  const out: ParsedId = { uid, gid, groups };
  if (m[2] !== undefined && m[2] !== '') out.user = m[2];
  const ref = podRef(pod);
  if (ref) out.pod = ref;
  return out;
}

export const execId: Recogniser = {
  format: 'kubectl exec -- id',
  reads: 'text',
  recognise(input, source) {
    const id = parseId(input.text, source.path);
    if (!id) return null;
    const fact: IdFact = { kind: 'id', source, uid: id.uid, gid: id.gid, groups: id.groups };
    if (id.user !== undefined) fact.user = id.user;
    if (id.pod) fact.pod = id.pod;
    return [fact];
  },
};
