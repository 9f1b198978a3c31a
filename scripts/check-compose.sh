#!/usr/bin/env bash
# Validates docker-compose.yml and docker-compose.cluster.yml with Debian's docker-compose (1.29,
# the oldest Compose we support) and writes their normalized configs for the tests:
#   OUTPUT_FILE                        docker-compose.yml's, for test/unit/deploy/compose.test.ts
#                                      (KCH_COMPOSE_CONFIG)
#   OUTPUT_FILE without .yml + .cluster.yml
#                                      docker-compose.cluster.yml's, beside it, for
#                                      test/unit/deploy/compose-cluster.test.ts, which derives its
#                                      path from KCH_COMPOSE_CONFIG the same way
#                                      (.kch/compose.normalized.yml → .kch/compose.normalized.cluster.yml)
# Needs no Docker engine: `config` only reads the files. Fails if either file is rejected, and
# then leaves neither output behind, so that no test reads a stale one.
set -euo pipefail

if [[ $# -ne 1 || -z $1 ]]; then
  echo "usage: scripts/check-compose.sh OUTPUT_FILE" >&2
  exit 2
fi
out=$1
cluster_out="${out%.yml}.cluster.yml"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if ! command -v docker-compose >/dev/null 2>&1; then
  echo "check-compose: docker-compose missing, installing Debian's package" >&2
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  # --no-install-recommends: the package recommends the whole Docker engine, not needed here.
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
fi

rm -f "$out" "$cluster_out"
tmp=$(mktemp)
cluster_tmp=$(mktemp)
trap 'rm -f "$tmp" "$cluster_tmp"' EXIT

# normalize COMPOSE_FILE TARGET: docker-compose's normalized config of one file, or a failure.
normalize() {
  # env -i: variables of the calling shell would override .env.example and make the output
  # depend on who runs it.
  if ! (cd "$root" && env -i PATH="$PATH" HOME="${HOME:-/root}" \
        docker-compose -f "$1" --env-file .env.example config >"$2"); then
    echo "check-compose: FAILED: docker-compose rejects $1 (message above)" >&2
    return 1
  fi
  if [[ ! -s $2 ]]; then
    echo "check-compose: FAILED: docker-compose config printed nothing for $1" >&2
    return 1
  fi
}

# Both, whatever the first gives, so that one run reports every rejected file.
status=0
normalize docker-compose.yml "$tmp" || status=1
normalize docker-compose.cluster.yml "$cluster_tmp" || status=1
if [[ $status -ne 0 ]]; then exit 1; fi

cp "$tmp" "$out"
cp "$cluster_tmp" "$cluster_out"
version=$(docker-compose version --short 2>/dev/null || echo '?')
echo "check-compose: docker-compose.yml is valid ($version); normalized config in $out"
echo "check-compose: docker-compose.cluster.yml is valid ($version); normalized config in $cluster_out"
