#!/usr/bin/env bash
# `npm run demo`: the sandbox PBX, Redis and the service, then scripted SIPp calls that show
# each outcome, with each call's timeline and the resulting callbacks.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
echo "Setting up: Redis, prompts, the sandbox PBX (the first run builds it: a few minutes)..."
bash scripts/ensure-redis.sh
bash scripts/make-prompts.sh
bash scripts/sandbox.sh start
exec node --import tsx scripts/demo.ts "$@"
