// One runner for the data-driven cases in ./cases/*.json (iam-simulate / ESLint style tables).
// Each file's shape is described in its own "description" field.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import {
  compareIssuers,
  evaluateIdentityPolicies,
  evaluatePolicy,
  nearMissIssuer,
  parseClusterArn,
  parseIssuer,
  parsePolicyDocument,
  parseProviderArn,
  parseRoleArn,
  partitionOfRegion,
  providerArn,
  stsRegionalHost,
  webIdentityRequest,
  type AudienceMode,
  type EvaluateOptions,
  type PolicyEvaluation,
  type Request,
  type StatementEvaluation,
} from './index.js';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON case files

const dir = new URL('./cases/', import.meta.url);
const load = (name: string): Json => JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as Json;
const codes = (problems: ReadonlyArray<{ code: string }>): string[] => problems.map((p) => p.code).sort();

test('every case file has a runner', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  assert.deepEqual(files, ['arns.json', 'conditions.json', 'identity.json', 'issuers.json', 'policies.json', 'trust.json']);
});

function checkStatements(e: PolicyEvaluation, expected: Json[], fill: (v: Json) => Json = (v) => v): void {
  for (const want of expected) {
    const got = e.statements[want.index ?? 0] as StatementEvaluation;
    assert.ok(got, `statement ${want.index} exists`);
    if ('applies' in want) assert.equal(got.applies, want.applies, `statement ${want.index} applies`);
    if ('valid' in want) assert.equal(got.valid, want.valid, `statement ${want.index} valid`);
    if ('sid' in want) assert.equal(got.sid, want.sid);
    if ('principal' in want) assert.equal(got.principal?.matched, want.principal, `statement ${want.index} principal: ${got.principal?.explain}`);
    if ('action' in want) assert.equal(got.action?.matched, want.action, `statement ${want.index} action: ${got.action?.explain}`);
    if ('resource' in want) assert.equal(got.resource?.matched, want.resource, `statement ${want.index} resource: ${got.resource?.explain}`);
    if ('nearMiss' in want) assert.equal(got.principal?.nearMiss?.kind, want.nearMiss, got.principal?.explain);
    for (const wc of want.conditions ?? []) {
      const key = fill(wc.key) as string;
      const c = got.conditions.find((x) => x.key === key && (wc.operator === undefined || x.operator === wc.operator));
      assert.ok(c, `condition ${key} evaluated`);
      assert.equal(c.matched, wc.matched, `${key}: ${c.explain}`);
      if ('reason' in wc) assert.equal(c.reason, wc.reason, `${key}: ${c.explain}`);
      if ('expected' in wc) assert.deepEqual(c.expected, wc.expected);
      if ('actual' in wc) assert.deepEqual(c.actual, wc.actual);
      if ('hints' in wc) assert.deepEqual(c.hints.map((h) => h.kind), wc.hints, `${key}: ${JSON.stringify(c.hints)}`);
    }
  }
}

describe('trust policies (cases/trust.json)', () => {
  const file = load('trust.json');
  const ph: Record<string, string> = file.placeholders;
  const fill = (v: Json): Json => {
    let s = JSON.stringify(v);
    for (const [k, val] of Object.entries(ph)) s = s.replaceAll(`{{${k}}}`, val.replaceAll('{{ISSUER}}', ph['ISSUER'] as string));
    return JSON.parse(s) as Json;
  };
  for (const c of file.cases as Json[]) {
    test(c.name, () => {
      let request: Request;
      if (c.token) {
        const claims: Record<string, unknown> = { sub: c.token.sub };
        if (c.token.aud !== undefined) claims['aud'] = c.token.aud;
        const r = webIdentityRequest({
          providerArn: fill('{{PROVIDER}}') as string,
          claims,
          ...(c.token.clientIds ? { clientIds: c.token.clientIds as string[] } : {}),
          ...(c.token.audienceMode ? { audienceMode: c.token.audienceMode as AudienceMode } : {}),
        });
        assert.ok(r.ok);
        request = r.request;
      } else {
        request = fill(c.request) as Request;
      }
      const options: EvaluateOptions = { kind: 'trust', ...(c.options ?? {}) };
      const e = evaluatePolicy(fill(c.policy), request, options);
      assert.equal(e.decision, c.expect.decision, JSON.stringify(e.statements.map((s) => s.explain)));
      if (c.expect.deciding) assert.deepEqual(e.deciding, c.expect.deciding);
      if (c.expect.problems) assert.deepEqual(codes(e.problems), [...c.expect.problems].sort(), JSON.stringify(e.problems));
      checkStatements(e, c.expect.statements ?? [], fill);
    });
  }
});

describe('condition operators (cases/conditions.json)', () => {
  const file = load('conditions.json');
  for (const c of file.cases as Json[]) {
    test(c.name, () => {
      const policy: Record<string, unknown> = {
        Statement: [{ Effect: 'Allow', Action: 'svc:Do', Resource: '*', Condition: c.condition }],
      };
      if (c.version !== null) policy['Version'] = c.version ?? '2012-10-17';
      const run = (context: Record<string, unknown>): PolicyEvaluation =>
        evaluatePolicy(policy, { action: 'svc:Do', resource: 'arn:aws:svc:us-east-1:111122223333:thing/x', context: context as Request['context'] }, { kind: 'identity', ...(c.options ?? {}) });
      const seen = new Set<string>();
      (c.match as Json[]).forEach((ctx, i) => {
        const e = run(ctx);
        for (const p of e.problems) seen.add(p.code);
        assert.equal(e.decision, 'allow', `match[${i}] ${JSON.stringify(ctx)}: ${e.statements[0]?.explain}`);
      });
      (c.noMatch as Json[]).forEach((ctx, i) => {
        const e = run(ctx);
        for (const p of e.problems) seen.add(p.code);
        assert.equal(e.decision, 'implicitDeny', `noMatch[${i}] ${JSON.stringify(ctx)}: ${e.statements[0]?.explain}`);
        const reason = c.reasons?.[i];
        if (reason !== undefined) {
          const failing = e.statements[0]?.conditions.find((x) => !x.matched);
          assert.equal(failing?.reason, reason, `noMatch[${i}]: ${failing?.explain}`);
        }
      });
      for (const code of c.problems ?? []) assert.ok(seen.has(code), `problem ${code} reported (got ${[...seen].join(', ')})`);
      if (!c.problems) {
        const errors = [...seen].filter((x) => !['versionOld', 'versionMissing', 'invalidConditionValue'].includes(x));
        assert.deepEqual(errors, [], 'no unexpected problems');
      }
    });
  }
});

describe('identity policies and boundaries (cases/identity.json)', () => {
  const file = load('identity.json');
  for (const c of file.cases as Json[]) {
    test(c.name, () => {
      const e = evaluateIdentityPolicies(c.policies, c.boundary, c.request);
      assert.equal(e.decision, c.expect.decision, JSON.stringify(e.policies.map((p) => p.evaluation.statements.map((s) => s.explain))));
      if (c.expect.reason) assert.equal(e.reason, c.expect.reason);
      if (c.expect.deciding) assert.deepEqual(e.deciding.map((d) => ({ policy: d.policy, statement: d.statement })), c.expect.deciding);
      for (const [name, stmts] of Object.entries((c.expect.statements ?? {}) as Record<string, Json[]>)) {
        const p = e.policies.find((x) => x.name === name);
        assert.ok(p, `policy ${name}`);
        checkStatements(p.evaluation, stmts);
      }
      for (const [name, want] of Object.entries((c.expect.problems ?? {}) as Record<string, string[]>)) {
        const p = e.policies.find((x) => x.name === name);
        assert.ok(p, `policy ${name}`);
        assert.deepEqual(codes(p.evaluation.problems), [...want].sort());
      }
    });
  }
});

describe('ARNs and partitions (cases/arns.json)', () => {
  const file = load('arns.json');
  for (const v of file.roleArn.valid as Json[]) {
    test(`role ARN valid: ${v.input}`, () => {
      const r = parseRoleArn(v.input);
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual({ partition: r.partition, account: r.account, path: r.path, name: r.name, arn: r.arn }, { partition: v.partition, account: v.account, path: v.path, name: v.name, arn: v.input });
    });
  }
  for (const v of file.roleArn.invalid as Json[]) {
    test(`role ARN invalid (${v.problem}): ${JSON.stringify(v.input)}`, () => {
      const r = parseRoleArn(v.input);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.problem, v.problem, r.detail);
      assert.equal(r.suggestion, v.suggestion ?? undefined);
      if ('found' in v) assert.equal(r.found, v.found);
      assert.ok(r.detail.length > 0);
    });
  }
  for (const v of file.clusterArn.valid as Json[]) {
    test(`cluster ARN valid: ${v.input}`, () => {
      const r = parseClusterArn(v.input);
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual({ partition: r.partition, region: r.region, account: r.account, name: r.name, arn: r.arn }, { partition: v.partition, region: v.region, account: v.account, name: v.name, arn: v.input });
    });
  }
  for (const v of file.clusterArn.invalid as Json[]) {
    test(`cluster ARN invalid (${v.problem}): ${v.input}`, () => {
      const r = parseClusterArn(v.input);
      assert.equal(r.ok ? 'ok' : r.problem, v.problem);
    });
  }
  test('partitionOfRegion', () => {
    for (const v of file.partitionOfRegion as Json[]) assert.equal(partitionOfRegion(v.region), v.partition, v.region);
  });
  test('stsRegionalHost', () => {
    for (const v of file.stsRegionalHost as Json[]) assert.equal(stsRegionalHost(v.region), v.host, v.region);
  });
});

describe('issuers and providers (cases/issuers.json)', () => {
  const file = load('issuers.json');
  for (const v of file.parseIssuer.valid as Json[]) {
    test(`issuer valid: ${v.input}`, () => {
      const r = parseIssuer(v.input);
      assert.ok(r.ok, JSON.stringify(r));
      const i = r.issuer;
      assert.equal(i.url, v.input);
      for (const k of ['form', 'region', 'id', 'partition', 'hostPath', 'host', 'path'] as const) if (k in v) assert.equal(i[k], v[k], k);
      assert.deepEqual(i.iamProblems.map((p) => p.problem), v.iamProblems);
      assert.equal(`https://${i.hostPath}`.toLowerCase(), v.input.toLowerCase());
    });
  }
  for (const v of file.parseIssuer.invalid as Json[]) {
    test(`issuer invalid (${v.problem}): ${JSON.stringify(v.input)}`, () => {
      const r = parseIssuer(v.input);
      assert.equal(r.ok ? 'ok' : r.problem, v.problem);
    });
  }
  for (const v of file.providerArn.valid as Json[]) {
    test(`provider ARN valid: ${v.input}`, () => {
      const r = parseProviderArn(v.input);
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual({ partition: r.partition, account: r.account, hostPath: r.hostPath }, { partition: v.partition, account: v.account, hostPath: v.hostPath });
      assert.equal(providerArn(r.partition, r.account, r.hostPath), v.input);
      assert.equal(providerArn(r.partition, r.account, `https://${r.hostPath}`), v.input);
    });
  }
  for (const v of file.providerArn.invalid as Json[]) {
    test(`provider ARN invalid (${v.problem}): ${v.input}`, () => {
      const r = parseProviderArn(v.input);
      assert.equal(r.ok ? 'ok' : r.problem, v.problem);
    });
  }
  test('compareIssuers', () => {
    for (const v of file.compareIssuers as Json[]) {
      const r = compareIssuers(v.a, v.b);
      assert.deepEqual({ same: r.same, exact: r.exact, differences: r.differences }, { same: v.same, exact: v.exact, differences: v.differences }, `${v.a} vs ${v.b}`);
    }
  });
  for (const v of file.nearMiss as Json[]) {
    test(`near miss ${v.kind}: ${v.actual}`, () => {
      const r = nearMissIssuer(v.expected, v.actual, { ...(v.account ? { account: v.account } : {}), ...(v.partition ? { partition: v.partition } : {}) });
      assert.equal(r.kind, v.kind, r.detail);
      assert.equal(r.actual, v.actual);
      assert.ok(r.detail.length > 0);
    });
  }
});

describe('policy documents (cases/policies.json)', () => {
  const file = load('policies.json');
  for (const c of file.cases as Json[]) {
    test(c.name, () => {
      const p = parsePolicyDocument(c.input, 'case');
      assert.deepEqual(codes(p.problems), [...c.problems].sort(), JSON.stringify(p.problems));
      for (const pr of p.problems) assert.equal(pr.where, 'case');
      if ('variablesEnabled' in c) assert.equal(p.variablesEnabled, c.variablesEnabled);
      if ('statementCount' in c) assert.equal(p.statements.length, c.statementCount);
      (c.statements ?? []).forEach((want: Json, i: number) => {
        const got = p.statements[i] as unknown as Record<string, unknown>;
        assert.ok(got, `statement ${i}`);
        for (const [k, v] of Object.entries(want as Record<string, unknown>)) assert.deepEqual(got[k], v, `statement ${i}.${k}`);
      });
    });
  }
});
