#!/usr/bin/env bash
# `npm run soak -- --calls 2000 [--rate 5]`: the sandbox PBX, Redis and the service under steady
# random calls with faults injected at random moments, then an invariant check (scripts/soak.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/ensure-redis.sh
bash scripts/make-prompts.sh
bash scripts/sandbox.sh start
exec node --import tsx scripts/soak.ts "$@"
