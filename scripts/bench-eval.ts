// Prints how fast the pure half of `scan` runs: trust-policy evaluations per second, and
// subjects and pods per second of diagnoseFacts (join + every check, live mode) plus the
// grouping by workload, at 100, 1,000 and 10,000 pods. A benchmark, not a test: it asserts
// nothing. Run: npx tsx scripts/bench-eval.ts [facts.json] [--json]
//
// The facts are those of a real collectScan of a generated lab world (100 IRSA pods in 10
// Deployments, one namespace `team-000`, five roles `irsa-app-0000N`). Larger clusters are that
// world replicated with distinct names: in copy NN, namespace team-000 -> team-000-kNN, role
// irsa-app-0000N -> irsa-app-0000N-kNN, every uid gets -kNN; facts that are then identical in
// every copy (cluster, provider, issuer, server version, AWS-managed policies) are kept once.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Fact } from '../src/evidence/facts.js';
import type { WorkloadRef } from '../src/evidence/live/scan-collect.js';
import { parsePolicyDocument } from '../src/iam/policy.js';
import { evaluatePolicy } from '../src/iam/evaluate.js';
import { measureEvaluation } from '../src/core/evaluate-bench.js';

export interface FactSet {
  facts: Fact[];
  podOwners: Array<[string, WorkloadRef]>;
}

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;

function renameString(s: string, tag: string): string {
  return s
    .replace(/team-000/g, `team-000-${tag}`)
    .replace(/irsa-app-(\d{5})/g, `irsa-app-$1-${tag}`)
    .replace(UUID, (u) => `${u}-${tag}`);
}

/** Every string (values and keys) of a JSON value, renamed for copy `tag`. */
function renameDeep(v: unknown, tag: string): unknown {
  if (typeof v === 'string') return renameString(v, tag);
  if (Buffer.isBuffer(v)) return v;
  if (Array.isArray(v)) return v.map((x) => renameDeep(x, tag));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[renameString(k, tag)] = renameDeep(x, tag);
    return out;
  }
  return v;
}

/** `copies` renamed copies of the base world, identical facts kept once. */
export function replicate(base: FactSet, copies: number): { facts: Fact[]; podOwners: Map<string, WorkloadRef> } {
  const facts: Fact[] = [];
  const seen = new Set<string>();
  const podOwners = new Map<string, WorkloadRef>();
  for (let k = 0; k < copies; k++) {
    const tag = `k${String(k).padStart(2, '0')}`;
    for (const f of base.facts) {
      const g = renameDeep(f, tag) as Fact;
      const key = JSON.stringify(g);
      if (seen.has(key)) continue;
      seen.add(key);
      facts.push(g);
    }
    for (const [key, ref] of base.podOwners) podOwners.set(renameString(key, tag), renameDeep(ref, tag) as WorkloadRef);
  }
  return { facts, podOwners };
}

function trustEvaluationsPerSecond(): { n: number; seconds: number } {
  const hp = 'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E';
  const trust = parsePolicyDocument({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${hp}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${hp}:sub`]: 'system:serviceaccount:a:b', [`${hp}:aud`]: 'sts.amazonaws.com' } },
      },
    ],
  });
  const n = 50_000;
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    evaluatePolicy(
      trust,
      {
        principal: { type: 'Federated', id: `arn:aws:iam::111122223333:oidc-provider/${hp}` },
        action: 'sts:AssumeRoleWithWebIdentity',
        context: { [`${hp}:sub`]: `system:serviceaccount:a:${i % 2 ? 'b' : 'c'}`, [`${hp}:aud`]: 'sts.amazonaws.com' },
      },
      { kind: 'trust' },
    );
  }
  return { n, seconds: Number(process.hrtime.bigint() - t) / 1e9 };
}

/** The saved facts, with the DER certificates (saved as `{type:'Buffer',data}`) as Buffers again. */
export function loadFactSet(file: string): FactSet {
  return JSON.parse(readFileSync(file, 'utf8'), (_k, v: unknown) => {
    const b = v as { type?: unknown; data?: unknown } | null;
    return b && typeof b === 'object' && b.type === 'Buffer' && Array.isArray(b.data) ? Buffer.from(b.data as number[]) : v;
  }) as FactSet;
}

export const DEFAULT_FACTS = new URL('../.tmp/bench-facts-100.json', import.meta.url).pathname;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--')) ?? DEFAULT_FACTS;
  const base = loadFactSet(file);
  const now = new Date('2026-11-28T12:00:00Z');

  const tr = trustEvaluationsPerSecond();
  console.log(`trust evaluations: ${tr.n} in ${tr.seconds.toFixed(2)} s = ${Math.round(tr.n / tr.seconds)}/s`);

  const rows: Array<Record<string, number>> = [];
  for (const copies of [1, 10, 100]) {
    const set = replicate(base, copies);
    const m = measureEvaluation(set.facts, set.podOwners, { now, minSeconds: copies === 100 ? 3 : 1.5, warmupRounds: copies === 100 ? 1 : 3 });
    rows.push({ copies, facts: set.facts.length, ...m });
    console.log(
      `${String(m.pods).padStart(6)} pods (${set.facts.length} facts, ${m.subjects} subjects, ${m.workloads} workloads): ` +
        `${(m.seconds * 1000).toFixed(1)} ms per evaluation (median of ${m.rounds}; best ${(m.bestSeconds * 1000).toFixed(1)}, mean ${(m.meanSeconds * 1000).toFixed(1)}), ` +
        `${Math.round(m.subjectsPerSecond)} subjects/s, ${Math.round(m.podsPerSecond)} pods/s (best ${Math.round(m.pods / m.bestSeconds)})`,
    );
  }
  if (args.includes('--json')) console.log(JSON.stringify({ trustEvaluationsPerSecond: tr.n / tr.seconds, rows }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
