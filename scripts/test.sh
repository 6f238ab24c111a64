#!/usr/bin/env bash
# The whole test suite, from a fresh clone after `npm ci`: static checks,
# build, every test under Node 20 against a real server, then the suite again
# under Node 24 LTS (installed from the npm registry into a cache).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "tools the tests use when they can: age (interop checks)"
# Best effort: without age the interop tests skip and say so in their names.
if ! command -v age >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && apt-get install -y -qq age) >/dev/null 2>&1 || echo "could not install age; its interop tests will skip"
fi
command -v age >/dev/null 2>&1 && age --version

step "format and lint (biome)"
npx biome ci .

step "type-check (tsc)"
npx tsc -p tsconfig.json --noEmit

step "build"
npm run --silent build

step "tests on $(node --version)"
node --import tsx scripts/run-tests.ts test

step "tests on Node 24 LTS"
node24=$(bash scripts/node24.sh)
"$node24" --import tsx scripts/run-tests.ts test
