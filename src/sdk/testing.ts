// Test helpers (used by the *.test.ts files here, never by the tool): build the FileInput the
// offline loader hands a recogniser, with the loader's own parser, and run the SDK recognisers.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseFile } from '../evidence/offline/parse.js';
import type { Fact, SdkDepsFact } from '../evidence/facts.js';
import type { FileInput, Recogniser } from '../evidence/offline/types.js';
import { sdkRecognisers } from './recognisers.js';

/** The FileInput the offline loader builds for this text (JSON, else YAML-shaped, else text). */
export function fileInput(path: string, text: string): FileInput {
  const parsed = parseFile(path, text);
  return parsed.docs ? { path, text: parsed.text, docs: parsed.docs } : { path, text: parsed.text };
}

export function fixture(name: string): FileInput {
  const path = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
  return fileInput(`fixtures/${name}`, readFileSync(path, 'utf8'));
}

/** Every recogniser that claims the input, with what it returned. */
export function claims(input: FileInput): Array<{ recogniser: Recogniser; facts: Fact[] }> {
  const out: Array<{ recogniser: Recogniser; facts: Fact[] }> = [];
  for (const r of sdkRecognisers) {
    if (r.reads === 'structured' && input.docs === undefined) continue;
    const facts = r.recognise(input, { path: input.path });
    if (facts !== null) out.push({ recogniser: r, facts });
  }
  return out;
}

/** The one SdkDepsFact a fixture gives; throws when not exactly one recogniser claims it. */
export function recogniseOne(input: FileInput): SdkDepsFact {
  const c = claims(input);
  if (c.length !== 1) throw new Error(`${input.path}: claimed by ${c.length} recognisers (${c.map((x) => x.recogniser.format).join(', ')})`);
  const facts = c[0]?.facts ?? [];
  const f = facts[0];
  if (facts.length !== 1 || f === undefined || f.kind !== 'sdkDeps') throw new Error(`${input.path}: expected one sdkDeps fact`);
  return f;
}
