// The JSON contract of checks.md (schemaVersion 1). Fields may be added, never removed or renamed.

import type { Report } from '../core/diagnose.js';

export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
