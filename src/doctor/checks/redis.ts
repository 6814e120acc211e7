/**
 * Redis, where every promise lives: reachable, its version, persistence (a Redis without AOF or
 * RDB snapshots loses every callback when it restarts), and an eviction policy that never drops
 * nevermiss's keys.
 *
 * Why only noeviction is safe: the volatile-* policies evict keys with an expiry, and some of
 * nevermiss's keys have one and still matter while they live: the active instance's lease (lost:
 * a second instance takes the app mid-call), used action links (lost: a single-use link works
 * twice), text-back marks (lost: a caller is texted twice). The allkeys-* policies may evict
 * callbacks themselves. With no maxmemory limit Redis never evicts, whatever the policy.
 */
import { describeError } from '../../errors.js';
import type { RedisFacts } from '../../callbacks/server-facts.js';
import { finding, type Check, type Finding } from '../types.js';

/** The oldest Redis nevermiss runs on: SET ... PXAT (single-use links) needs 6.2. */
export const OLDEST_REDIS = [6, 2] as const;

export function judgeVersion(facts: Pick<RedisFacts, 'version' | 'mode'>, url: string): Finding {
  const [major = 0, minor = 0] = facts.version.split('.').map(Number);
  const tooOld = major < OLDEST_REDIS[0] || (major === OLDEST_REDIS[0] && minor < OLDEST_REDIS[1]);
  if (tooOld) {
    return finding('Redis', 'fail', `Redis ${facts.version} at ${url}: nevermiss needs Redis ${OLDEST_REDIS.join('.')} or newer`, { fix: `upgrade Redis to ${OLDEST_REDIS.join('.')} or newer` });
  }
  return finding('Redis', 'pass', `Redis ${facts.version} (${facts.mode}) at ${url}`);
}

export function judgePersistence(facts: Pick<RedisFacts, 'aofEnabled' | 'rdbSave' | 'rdbLastSaveOk'>): Finding {
  const title = 'Redis persistence';
  const fix =
    'turn on the append-only file: redis-cli CONFIG SET appendonly yes && redis-cli CONFIG REWRITE (or "appendonly yes" in redis.conf and a restart); the compose file does this already';
  if (facts.aofEnabled) return finding(title, 'pass', 'AOF is on: callbacks survive a Redis restart');
  if (facts.rdbSave === null) {
    return finding(title, 'warn', 'AOF is off, and this Redis does not say whether RDB snapshots are on (CONFIG is not allowed)', { fix: `ask the Redis provider whether data survives a restart; better, ${fix}` });
  }
  if (facts.rdbSave.trim() !== '') {
    if (!facts.rdbLastSaveOk) return finding(title, 'fail', `RDB snapshots are on (save "${facts.rdbSave}") but the last one failed: Redis keeps nothing`, { fix: 'see the Redis log (disk full? permissions of its dir?)' });
    return finding(title, 'warn', `RDB snapshots only (save "${facts.rdbSave}"): a crash loses the callbacks since the last snapshot`, { fix });
  }
  return finding(title, 'warn', 'neither AOF nor RDB snapshots are on: every callback is lost when Redis restarts', { fix });
}

export function judgeEviction(facts: Pick<RedisFacts, 'maxmemory' | 'maxmemoryPolicy'>): Finding {
  const title = 'Redis eviction';
  const policy = facts.maxmemoryPolicy;
  if (policy === 'noeviction') return finding(title, 'pass', 'maxmemory-policy noeviction: Redis never drops a key');
  const fix = 'redis-cli CONFIG SET maxmemory-policy noeviction && redis-cli CONFIG REWRITE (or "maxmemory-policy noeviction" in redis.conf)';
  if (facts.maxmemory === 0) {
    return finding(title, 'warn', `no maxmemory limit, so nothing is evicted now; but maxmemory-policy is ${policy}, and once a limit is set it drops nevermiss's keys`, { fix });
  }
  return finding(title, 'fail', `maxmemory-policy ${policy} with a limit of ${Math.round(facts.maxmemory / 1048576)} MB: when Redis is full it drops nevermiss's keys (${policy.startsWith('volatile') ? 'leases, used links, text-back marks' : 'callbacks included'})`, { fix });
}

export const redisCheck: Check = {
  title: 'Redis',
  needs: [],
  async run({ config, redisFacts }) {
    const url = redactedUrl(config.redis.url);
    let facts: RedisFacts;
    try {
      facts = await redisFacts();
    } catch (err) {
      return [finding('Redis', 'fail', `cannot reach Redis at ${url}: ${describeError(err)}`, { fix: 'is redis-server running there, and are redis.url (host, port, password, TLS) right? Try: redis-cli -u URL ping' })];
    }
    return [judgeVersion(facts, url), judgePersistence(facts), judgeEviction(facts)];
  },
};

export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
