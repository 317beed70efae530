import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

/** axe-core's serious and critical violations on a page, one line each (empty when none). */
const AXE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8');

type AxeViolation = { id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> };

export async function seriousViolations(page: Page): Promise<string[]> {
  // Extension pages forbid inline scripts; evaluating the source goes around the page's CSP.
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
