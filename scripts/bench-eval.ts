// Prints how fast the pure parts run: trust-policy evaluations per second and whole
// diagnoses (join + every check) per second on the examples' evidence. A benchmark, not a
// test: it asserts nothing. Run: npx tsx scripts/bench-eval.ts
import { parsePolicyDocument } from '../src/iam/policy.js';
import { evaluatePolicy } from '../src/iam/evaluate.js';
import { readInputs } from '../src/evidence/offline/read.js';
import { diagnoseFacts } from '../src/core/diagnose.js';

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
const N = 50_000;
let t = process.hrtime.bigint();
for (let i = 0; i < N; i++) {
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
const evalSec = Number(process.hrtime.bigint() - t) / 1e9;
console.log(`trust evaluations: ${N} in ${evalSec.toFixed(2)} s = ${Math.round(N / evalSec)}/s`);

const read = await readInputs([new URL('../examples/cluster', import.meta.url).pathname]);
const R = 200;
t = process.hrtime.bigint();
let subjects = 0;
for (let i = 0; i < R; i++) subjects += diagnoseFacts(read.facts, { now: new Date('2026-11-28T12:00:00Z') }).subjects.length;
const diagSec = Number(process.hrtime.bigint() - t) / 1e9;
console.log(`diagnoses of examples/cluster: ${R} in ${diagSec.toFixed(2)} s = ${Math.round(subjects / diagSec)} subjects/s (join + ${25} checks)`);
