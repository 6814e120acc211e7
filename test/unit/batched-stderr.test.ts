/** Log lines go out in batches: one write for the lines of a few milliseconds, none lost or reordered. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import winston from 'winston';
import { BatchedStderr } from '../../src/log/batched-stderr.js';

function logger(writes: string[]): { log: winston.Logger; transport: BatchedStderr } {
  const transport = new BatchedStderr({ write: (text) => writes.push(text) });
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
  const log = winston.createLogger({ level: 'info', format: winston.format.json(), transports: [transport] });
  return { log, transport };
}

test('the lines of one moment go out in one write, in order, within a few milliseconds', async () => {
  const writes: string[] = [];
  const { log } = logger(writes);
  log.info('call arrived', { callId: 'c1' });
  log.info('call hunting -> hunting on started', { callId: 'c1' });
  log.debug('not at this level');
  log.warn('a warning', { callId: 'c2' });
  assert.equal(writes.length, 0, 'nothing is written while the moment lasts');
  await sleep(50);
  assert.equal(writes.length, 1);
  const lines = (writes[0] ?? '').trimEnd().split('\n').map((line) => JSON.parse(line) as { message: string; level: string });
  assert.deepEqual(
    lines.map((line) => [line.level, line.message]),
    [
      ['info', 'call arrived'],
      ['info', 'call hunting -> hunting on started'],
      ['warn', 'a warning'],
    ],
  );
  log.info('later');
  await sleep(50);
  assert.equal(writes.length, 2);
  assert.match(writes[1] ?? '', /"message":"later"/);
});

test('a large batch goes out at once, and closing writes what is pending', () => {
  const writes: string[] = [];
  const { log, transport } = logger(writes);
  const big = 'x'.repeat(70 * 1024);
  log.info('first');
  log.info(big);
  assert.equal(writes.length, 1, 'past 64 KiB the batch is written without waiting');
  assert.match(writes[0] ?? '', /"message":"first"[\s\S]*x{1000}/);
  log.info('pending');
  transport.close();
  assert.equal(writes.length, 2);
  assert.match(writes[1] ?? '', /"message":"pending"/);
});
