#!/usr/bin/env bash
# Fails when the README names a path in the repository (src/…, tests/…, scripts/…, bench/…,
# end2end/…) that does not exist: a moved or renamed file must take the README's words with it.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=0
# A path starts after a character that cannot be part of one, and loses the full stop or comma
# that ends its sentence.
while read -r path; do
  if [ ! -e "$path" ]; then
    echo "README.md names $path, which does not exist" >&2
    missing=1
  fi
done < <(grep -oE "(^|[^A-Za-z0-9_/.-])(src|tests|scripts|bench|benches|end2end|style|migrations)/[A-Za-z0-9_/.-]*" README.md |
  sed -E 's/^[^a-z]//; s/[.,]+$//' | sort -u)
if [ "$missing" -ne 0 ]; then
  exit 1
fi
echo "every path the README names exists"
