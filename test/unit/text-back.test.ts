import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { formatProblem, parseConfig } from '../../src/config/load.js';
import { textBackMessage } from '../../src/follow-up/text-back.js';

const cph = (local: string): number => DateTime.fromISO(local, { zone: 'Europe/Copenhagen' }).toMillis();

test('the text-back names the firm and the time, in the route language and time zone', () => {
  assert.equal(
    textBackMessage('Hansen VVS', 'en', cph('2026-12-01T14:42'), 'Europe/Copenhagen', cph('2026-12-01T14:32')),
    "Thanks for calling Hansen VVS. We'll call you back before 14:42.",
  );
  assert.equal(
    textBackMessage('Hansen VVS', 'da', cph('2026-12-01T14:42'), 'Europe/Copenhagen', cph('2026-12-01T14:32')),
    'Tak fordi du ringede til Hansen VVS. Vi ringer dig op senest kl. 14.42.',
  );
  assert.equal(
    textBackMessage('', 'en', cph('2026-12-02T07:30'), 'Europe/Copenhagen', cph('2026-12-01T18:00')),
    "Thanks for calling. We'll call you back before Wednesday 07:30.",
  );
});

const BASE = `ari: { url: "http://127.0.0.1:8088", username: u, password: p }
prompts: { source: sound }
people: { owner: { phones: { desk: PJSIP/owner-desk } } }
routes:
  main:
    numbers: ["1"]
    hunt: [{ ring: [owner], timeout: 20s }]
    textBack: { window: 12h }
defaultRoute: main
`;

test('textBack needs the sms: gateway, and its window is read as a duration', () => {
  const without = parseConfig(BASE, 'n.yaml', {});
  assert.equal(without.ok, false);
  assert.deepEqual(!without.ok && without.problems.map(formatProblem), [
    'n.yaml:8:15 routes.main.textBack: texting callers back needs the sms: section, which is missing; add sms: with url: (and method:, headers:, body: as your gateway wants) at the top level of the file, or remove textBack: here',
  ]);
  const withGateway = parseConfig(`${BASE}sms: { url: "http://127.0.0.1:9/sms" }\n`, 'n.yaml', {});
  assert.ok(withGateway.ok);
  assert.deepEqual(withGateway.config.routes['main']?.textBack, { windowMs: 12 * 3_600_000 });
});
