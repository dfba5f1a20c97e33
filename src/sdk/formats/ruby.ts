// Gemfile.lock: the resolved gems of every source section (GEM, GIT, PATH, PLUGIN SOURCE) are
// the four-space-indented `name (version)` lines under `specs:`; six-space lines are their
// dependency constraints. Versions may carry a platform (`1.15.0-x86_64-linux`).

import type { Recogniser } from '../../evidence/offline/types.js';
import { SDK_FORMAT } from '../formats.js';
import { gemSdk } from '../packages.js';
import { DepList, inputError, sdkFact, textLines } from './common.js';

const SOURCE_SECTIONS = new Set(['GEM', 'GIT', 'PATH', 'PLUGIN SOURCE']);
const SPEC = /^ {4}([^\s(]+) \(([^)\s]+)\)$/;

export const gemfileLockRecogniser: Recogniser = {
  format: SDK_FORMAT.gemfileLock,
  reads: 'text',
  recognise(input, source) {
    const lines = textLines(input.text);
    if (!lines.some((l) => SOURCE_SECTIONS.has(l)) || !lines.some((l) => l === '  specs:')) return null;
    const format = SDK_FORMAT.gemfileLock;
    const list = new DepList();
    let section = '';
    let inSpecs = false;
    lines.forEach((line, i) => {
      if (line === '') return;
      if (!line.startsWith(' ')) {
        section = line.trim();
        inSpecs = false;
        return;
      }
      if (!SOURCE_SECTIONS.has(section)) return;
      if (line === '  specs:') {
        inSpecs = true;
        return;
      }
      if (!inSpecs || line.startsWith('      ')) return;
      if (!line.startsWith('    ')) {
        inSpecs = false;
        return;
      }
      const m = SPEC.exec(line);
      if (!m) throw inputError(input, format, `expected "name (version)" under specs:`, i + 1);
      const name = m[1] ?? '';
      const version = (m[2] ?? '').split('-')[0] ?? '';
      list.add(gemSdk(name, version), name, version);
    });
    return [sdkFact(source, format, list.deps)];
  },
};
