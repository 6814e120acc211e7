#!/usr/bin/env bash
# `npm run bench [-- --step 20 --calls 400 --rates 50,100,...]`: the sandbox PBX, Redis and the
# service, and in one run the same hunt through plain dialplan and through nevermiss, with the same
# SIPp callers and phones; prints a table with the ratios to plain dialplan (scripts/bench/main.ts,
# docs/benchmarks.md). Takes minutes; uses the bench (one run at a time), so not for CI.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/ensure-redis.sh
bash scripts/make-prompts.sh
bash scripts/sandbox.sh start
# The service runs compiled, as an installed one does (tsx would add its own memory and start-up).
npm run --silent build
exec node --import tsx scripts/bench/main.ts "$@"
