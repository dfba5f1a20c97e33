#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's own test runner (the runner CI reads).
// Node 20's `--test` takes no globs, so the files are listed here. Extra args filter by path substring.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) files.push(relative(root, p));
  }
}
for (const d of ['src', 'test']) walk(join(root, d));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const selected = filters.length ? files.filter((f) => filters.some((x) => f.includes(x))) : files;
if (selected.length === 0) {
  console.error('run-tests: no test file matched');
  process.exit(1);
}
selected.sort();
const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', './test/support/fast-check-seed.ts', '--test', '--test-concurrency=2', ...flags, ...selected], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NO_COLOR: process.env.NO_COLOR ?? '' },
});
process.exit(r.status ?? 1);
