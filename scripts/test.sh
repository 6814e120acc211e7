#!/usr/bin/env bash
# `npm test`: everything the tests need on a fresh Debian 12 machine (as root), then every test.
#   1. Redis on 127.0.0.1:6379 (started if none runs)
#   2. the prompts (espeak-ng + sox, made once and cached)
#   3. the sandbox PBX: Asterisk 22 from Debian sid in a debootstrap chroot (built once, cached)
#   4. typecheck, lint, then unit, integration (real Redis) and end-to-end tests (real Asterisk + SIPp)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/common.sh
. scripts/lib/common.sh

step() { printf '\n== %s\n' "$*"; }

[ -d node_modules ] || { step "installing npm dependencies"; npm ci --no-audit --no-fund; }
step "Debian packages";  ensure_debs docker-compose faketime chromium fonts-liberation systemd   # compose: validated offline; faketime: a service clock on a holiday; chromium: the phone page's browser tests; systemd: systemd-analyze verifies the unit
step "Redis";            bash scripts/ensure-redis.sh
step "prompts";          bash scripts/make-prompts.sh
step "sandbox PBX";      bash scripts/sandbox.sh start
step "typecheck";        npx tsc -p tsconfig.json --noEmit && npx tsc -p src/http/page/tsconfig.json
step "lint";             npx eslint .
step "tests"
node --import tsx --test --test-concurrency=1 --test-reporter=spec \
  test/unit/*.test.ts test/integration/*.test.ts test/e2e/*.test.ts
