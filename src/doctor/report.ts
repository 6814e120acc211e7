/**
 * How doctor's findings are printed, and what its exit code is: pure, so both are unit-tested.
 *
 * Exit code: 0 when nothing failed (warnings are printed and counted, but pass: they describe a
 * risk, such as Redis without persistence, not a broken deployment); with `--strict` a warning
 * counts as a failure. 1 when a check failed (a skipped check follows a failed one).
 */
import type { Finding, Verdict } from './types.js';

const MARK: Record<Verdict, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

export function formatFindings(findings: readonly Finding[]): string[] {
  const width = Math.max(0, ...findings.map((f) => f.check.length));
  const indent = ' '.repeat(width + 8);
  const lines: string[] = [];
  for (const f of findings) {
    lines.push(`${MARK[f.verdict]}  ${f.check.padEnd(width)}  ${f.summary}`);
    for (const detail of f.details ?? []) lines.push(`${indent}${detail}`);
    if (f.fix !== undefined && (f.verdict === 'fail' || f.verdict === 'warn')) lines.push(`${indent}fix: ${f.fix}`);
  }
  lines.push('', summaryLine(findings));
  return lines;
}

export function summaryLine(findings: readonly Finding[]): string {
  const count = (verdict: Verdict): number => findings.filter((f) => f.verdict === verdict).length;
  const parts = [`${count('pass')} passed`, `${count('warn')} ${count('warn') === 1 ? 'warning' : 'warnings'}`, `${count('fail')} failed`];
  if (count('skip') > 0) parts.push(`${count('skip')} skipped`);
  return parts.join(', ');
}

export function exitCodeOf(findings: readonly Finding[], strict: boolean): 0 | 1 {
  const bad = findings.some((f) => f.verdict === 'fail' || f.verdict === 'skip' || (strict && f.verdict === 'warn'));
  return bad ? 1 : 0;
}
