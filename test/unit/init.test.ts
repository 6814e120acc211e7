/** The pure half of `nevermiss init`: reading the hours, naming phones, and the starter config the loader accepts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from 'yaml';

import { parseConfig } from '../../src/config/load.js';
import { offerOrder } from '../../src/init/pbx.js';
import { ARI_PASSWORD_ENV, parseHours, phoneName, renderStarterConfig, type StarterAnswers } from '../../src/init/starter.js';

const ANSWERS: StarterAnswers = {
  ari: { url: 'http://pbx.example:8088', username: 'nevermiss', app: 'nevermiss' },
  firm: { name: 'Hansen VVS', numbers: ['+4530123456', '30123456'], country: 'DK', timezone: 'Europe/Copenhagen' },
  language: 'da',
  owner: { name: 'Anna Hansen', endpoints: ['PJSIP/owner-desk', 'PJSIP/trunk/sip:+4520123456@provider'] },
  colleague: { name: 'Bo Jensen', endpoints: ['PJSIP/colleague'] },
  hours: { 'mon-fri': '07:00-16:00' },
};

test('hours: "days HH:MM-HH:MM" parts, "always" or nothing for always open, a clear error otherwise', () => {
  assert.deepEqual(parseHours('mon-fri 07:00-16:00, Sat 9:00-12:00'), { 'mon-fri': '07:00-16:00', sat: '9:00-12:00' });
  assert.equal(parseHours('always'), null);
  assert.equal(parseHours('  '), null);
  assert.throws(() => parseHours('weekdays 8-16'), /"weekdays 8-16": expected days and hours like "mon-fri 08:00-16:00"/);
});

test('phone names come from the endpoint, made valid and unique', () => {
  assert.equal(phoneName('PJSIP/owner-desk', new Set()), 'owner-desk');
  assert.equal(phoneName('PJSIP/owner-desk', new Set(['owner-desk'])), 'owner-desk-2');
  assert.equal(phoneName('PJSIP/100', new Set()), 'phone');
  assert.equal(phoneName('PJSIP/trunk/sip:+4520123456@provider', new Set()), 'sip--4520123456-provider');
});

test('the starter config passes the loader of nevermiss check, keeps the password out and explains each section', () => {
  const text = renderStarterConfig(ANSWERS, new Date('2026-12-01T10:00:00Z'));
  const result = parseConfig(text, '/etc/nevermiss/nevermiss.yaml', { [ARI_PASSWORD_ENV]: 'secret' });
  assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.problems));
  assert.equal(result.config.ari.password, 'secret');
  assert.deepEqual(Object.keys(result.config.people.owner?.phones ?? {}), ['owner-desk', 'sip--4520123456-provider']);
  assert.equal(result.config.routes.main?.hunt.length, 2);
  assert.match(text, /^# nevermiss configuration, written by "nevermiss init" on 2026-12-01\./);
  assert.equal(parseDocument(text).errors.length, 0);
  for (const section of ['# How nevermiss reaches Asterisk', '# Where the callbacks are kept', '# Who answers', '# What happens to a call']) assert.ok(text.includes(section), section);

  const alone = renderStarterConfig({ ...ANSWERS, colleague: null, hours: null }, new Date());
  const aloneResult = parseConfig(alone, '/x.yaml', { [ARI_PASSWORD_ENV]: 'secret' });
  assert.ok(aloneResult.ok);
  assert.equal(aloneResult.config.routes.main?.hunt.length, 1);
  assert.equal(aloneResult.config.routes.main?.hours, null);
});

test('endpoints are offered registered first, then by name', () => {
  const sorted = [
    { name: 'PJSIP/b', state: 'offline' },
    { name: 'PJSIP/z', state: 'online' },
    { name: 'PJSIP/a', state: 'unknown' },
    { name: 'PJSIP/c', state: 'online' },
  ].sort(offerOrder);
  assert.deepEqual(sorted.map((e) => e.name), ['PJSIP/c', 'PJSIP/z', 'PJSIP/a', 'PJSIP/b']);
});
