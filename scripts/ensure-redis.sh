#!/usr/bin/env bash
# Make sure a Redis answers on 127.0.0.1:6379 (tests and the demo use it).
# If none does: install redis-server when missing, start one that keeps nothing on disk.
# Quiet unless something fails.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib/common.sh
. "$ROOT/scripts/lib/common.sh"

HOST=127.0.0.1
PORT=${NEVERMISS_REDIS_PORT:-6379}

pong() { [ "$(timeout 2 redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null)" = PONG ]; }

command -v redis-cli >/dev/null 2>&1 && pong && exit 0

ensure_debs redis-server redis-tools
pong && exit 0

if ! out=$(redis-server --daemonize yes --bind "$HOST" --port "$PORT" --save "" --appendonly no \
  --logfile /var/log/nevermiss-redis.log 2>&1); then
  echo "$out" >&2
  die "redis-server did not start on $HOST:$PORT (see above)." "Is the port taken by something else? ss -ltnp 'sport = :$PORT'"
fi
for _ in $(seq 1 100); do
  pong && exit 0
  sleep 0.1
done
tail -n 20 /var/log/nevermiss-redis.log >&2 2>/dev/null || true
die "redis-server on $HOST:$PORT does not answer PING after 10 s." "See /var/log/nevermiss-redis.log."
