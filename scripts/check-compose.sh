#!/usr/bin/env bash
# Validates docker-compose.yml with Debian's docker-compose (1.29, the oldest Compose we
# support) and writes its normalized config to $1 for test/unit/deploy/compose.test.ts
# (KCH_COMPOSE_CONFIG). Needs no Docker engine: `config` only reads the files.
set -euo pipefail

if [[ $# -ne 1 || -z $1 ]]; then
  echo "usage: scripts/check-compose.sh OUTPUT_FILE" >&2
  exit 2
fi
out=$1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if ! command -v docker-compose >/dev/null 2>&1; then
  echo "check-compose: docker-compose missing, installing Debian's package" >&2
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  # --no-install-recommends: the package recommends the whole Docker engine, not needed here.
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# env -i: variables of the calling shell would override .env.example and make the output
# depend on who runs it.
if ! (cd "$root" && env -i PATH="$PATH" HOME="${HOME:-/root}" \
      docker-compose -f docker-compose.yml --env-file .env.example config >"$tmp"); then
  echo "check-compose: FAILED: docker-compose rejects docker-compose.yml (message above)" >&2
  exit 1
fi
if [[ ! -s $tmp ]]; then
  echo "check-compose: FAILED: docker-compose config printed nothing" >&2
  exit 1
fi
cp "$tmp" "$out"
echo "check-compose: docker-compose.yml is valid ($(docker-compose version --short 2>/dev/null || echo '?')); normalized config in $out"
