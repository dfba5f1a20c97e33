// Rendering `explain` answers. The JSON contract: { "matches": [ { "id", "title", "causes": [ { "check", "why" } ] } ] }.

import type { ExplainMatch } from '../explain/index.js';
import type { Colors } from './colors.js';

export function renderExplainJson(matches: readonly ExplainMatch[]): string {
  return `${JSON.stringify({ matches }, null, 2)}\n`;
}

export function renderExplainText(matches: readonly ExplainMatch[], c: Colors): string {
  if (!matches.length) {
    return 'No known IRSA or Pod Identity error found in the text. Paste the full error as the SDK printed it, or run `irsa-doctor diagnose`.\n';
  }
  const out: string[] = [];
  for (const m of matches) {
    out.push(`${c.bold(m.title)}${m.count > 1 ? c.dim(` (×${m.count})`) : ''}  ${c.dim(m.id)}`);
    out.push(c.dim(`  “${m.excerpt}”`));
    out.push(`  ${m.meaning}`);
    if (m.causes.length) {
      out.push(`  ${c.cyan('likely causes, most likely first:')}`);
      m.causes.forEach((cause, i) => out.push(`    ${i + 1}. ${c.dim(cause.check)} ${cause.why}`));
    }
    if (m.collect.length) {
      out.push(`  ${c.cyan('collect, then run `irsa-doctor diagnose --from` on the outputs:')}`);
      for (const cmd of m.collect) out.push(`    ${cmd}`);
    }
    out.push('');
  }
  return out.join('\n');
}
