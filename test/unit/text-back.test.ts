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

test('the text-back: a due day more than six days away is named by its date; a minute is never dropped', () => {
  const cases: ReadonlyArray<readonly [string, 'en' | 'da', string, string, string]> = [
    ['23 December, due 4 January', 'en', '2026-12-23T16:30', '2027-01-04T07:10', "We'll call you back before Monday 4 January 07:10."],
    ['23 December, due 4 January', 'da', '2026-12-23T16:30', '2027-01-04T07:10', 'Vi ringer dig op senest mandag den 4. januar kl. 07.10.'],
    ['six days away: the weekday', 'en', '2026-12-01T10:00', '2026-12-07T07:10', "We'll call you back before Monday 07:10."],
    ['seven days away: the date', 'en', '2026-12-01T10:00', '2026-12-08T07:10', "We'll call you back before Tuesday 8 December 07:10."],
    ['tomorrow, in Danish', 'da', '2026-12-01T18:00', '2026-12-02T07:30', 'Vi ringer dig op senest onsdag kl. 07.30.'],
    ['due 14:42:20: 14:43, not 14:42', 'en', '2026-12-01T14:32', '2026-12-01T14:42:20', "We'll call you back before 14:43."],
    ['due 23:59:30: midnight, which is tomorrow', 'en', '2026-12-01T23:50', '2026-12-01T23:59:30', "We'll call you back before Wednesday 00:00."],
  ];
  for (const [label, language, now, due, expected] of cases) {
    assert.ok(textBackMessage('', language, cph(due), 'Europe/Copenhagen', cph(now)).endsWith(expected), `${label}: ${textBackMessage('', language, cph(due), 'Europe/Copenhagen', cph(now))}`);
  }
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
