// The benchmark's own arithmetic (scripts/bench/measure.ts) and the rules it gives the service.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentile } from '../../scripts/bench/measure.js';
import { FIRMS, firmNumbers, firmRules } from '../../scripts/bench/firms.js';
import { formatProblem, parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';

/** The connection settings a service needs, then the rules (as test/support/service.ts writes them). */
const CONNECTION = ['ari:', '  url: http://127.0.0.1:8088', '  username: nevermiss', '  password: nevermiss-sandbox', 'redis:', '  url: redis://127.0.0.1:6379/0', 'prompts:', '  source: sound'].join('\n');

function parseConfigText(rules: string): Config {
  const result = parseConfig(`${CONNECTION}\n${rules}`, 'bench.yaml', {});
  if (!result.ok) assert.fail(`the firms' rules are not a valid config:\n${result.problems.slice(0, 5).map(formatProblem).join('\n')}`);
  return result.config;
}

test('percentiles by nearest rank', () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 .. 1, unsorted on purpose
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile(values, 100), 100);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('calls go to the firms in turn, each firm to its own number', () => {
  const numbers = firmNumbers(FIRMS + 2);
  assert.equal(numbers[0], '4530100000');
  assert.equal(numbers[FIRMS - 1], `4530100${String(FIRMS - 1).padStart(3, '0')}`);
  assert.equal(numbers[FIRMS], '4530100000');
  assert.equal(new Set(numbers).size, FIRMS);
});

test("the firms' rules are a valid config: the default phones, whenBusy ring, a screened mobile", () => {
  for (const options of [{ whenBusy: 'skip' }, { whenBusy: 'ring' }, { whenBusy: 'skip', screenMobile: true }] as const) {
    const config = parseConfigText(firmRules(options));
    assert.equal(Object.keys(config.routes).length, FIRMS);
  }
});
