// Golden end-to-end cases: each folder under test/golden/ holds the outputs a user pasted
// (input/) and what the tool must conclude (expected.json). One runner walks them all through
// the real CLI (see test/golden/README.md).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './support/run-cli.js';

interface Expected {
  description: string;
  now?: string;
  args?: string[];
  exit: number;
  conflict?: boolean;
  subjects: Array<{ match: Record<string, string>; verdict?: string; checks?: Record<string, string> }>;
}

interface JsonReport {
  subjects: Array<{ subject: Record<string, string>; verdict: string; findings: Array<{ check: string; status: string; messageId: string; message: string }> }>;
}

export function goldenCases(root: string): Array<{ name: string; dir: string; expected: Expected }> {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'expected.json')))
    .map((d) => ({ name: d.name, dir: join(root, d.name), expected: JSON.parse(readFileSync(join(root, d.name, 'expected.json'), 'utf8')) as Expected }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function matchSubject(report: JsonReport, match: Record<string, string>) {
  return report.subjects.filter((s) => Object.entries(match).every(([k, v]) => s.subject[k] === v));
}

export async function assertCase(dir: string, inputs: string[], expected: Expected): Promise<void> {
  const args = ['diagnose', '--from', ...inputs, '-o', 'json', ...(expected.now ? ['--now', expected.now] : []), ...(expected.args ?? [])];
  const r = await runCli(args);
  assert.equal(r.stderr.includes('internal error'), false, r.stderr);
  const report = JSON.parse(r.stdout) as JsonReport;
  const problems: string[] = [];
  for (const exp of expected.subjects) {
    const found = matchSubject(report, exp.match);
    if (found.length !== 1) {
      problems.push(`subject ${JSON.stringify(exp.match)}: ${found.length} matches among ${JSON.stringify(report.subjects.map((s) => s.subject))}`);
      continue;
    }
    const s = found[0]!;
    if (exp.verdict && s.verdict !== exp.verdict) problems.push(`${JSON.stringify(exp.match)} verdict ${s.verdict}, expected ${exp.verdict}`);
    for (const [check, status] of Object.entries(exp.checks ?? {})) {
      const f = s.findings.find((x) => x.check === check);
      if (!f) problems.push(`${check}: no finding`);
      else if (f.status !== status) problems.push(`${check}: ${f.status} (${f.messageId}: ${f.message}), expected ${status}`);
    }
  }
  if (expected.conflict) {
    if (!report.subjects.some((s) => s.findings.some((f) => f.check === 'IRSA902' && f.status === 'fail'))) problems.push('IRSA902: no conflict reported');
  }
  if (r.code !== expected.exit) problems.push(`exit ${r.code}, expected ${expected.exit}${r.stderr ? ` (stderr: ${r.stderr.trim()})` : ''}`);
  assert.deepEqual(problems, [], `${dir}: ${expected.description}`);
}

const root = new URL('./golden/', import.meta.url).pathname;
const cases = goldenCases(root);

describe('golden cases', () => {
  test('there are golden cases to walk', () => {
    assert.ok(cases.length >= 30, `only ${cases.length} golden cases`);
  });
  for (const c of cases) {
    test(c.name, async () => {
      await assertCase(c.dir, [join(c.dir, 'input')], c.expected);
    });
  }
});

describe('examples (what npm start diagnoses)', () => {
  test('examples/cluster gives what examples/expected.json says', async () => {
    const dir = new URL('../examples/', import.meta.url).pathname;
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
    await assertCase(dir, [join(dir, 'cluster')], expected);
  });
});
