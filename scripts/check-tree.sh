#!/usr/bin/env bash
# The tree holds sources, not build output: no tracked file over 1 MiB, and none of the kinds a
# build writes (Go test binaries, objects, libraries). .gitignore keeps them out; this catches a
# `git add -f` or a new kind of output.
set -euo pipefail
cd "$(dirname "$0")/.."

# Tracked files still in the work tree (a deleted, not yet committed one has nothing to measure).
big=$(git ls-files -z | find -files0-from - -maxdepth 0 -type f -size +1048576c -printf '%p (%s bytes)\n' 2>/dev/null || true)
output=$(git ls-files | grep -E '\.(test|o|a|so|so\.[0-9.]+)$' || true)
if [[ -n $big ]]; then
  echo "tree: tracked files over the 1 MiB limit (build output?); remove them with 'git rm --cached':" >&2
  echo "$big" >&2
fi
if [[ -n $output ]]; then
  echo "tree: build output is tracked; remove it with 'git rm --cached' (.gitignore covers it):" >&2
  echo "$output" >&2
fi
[[ -z $big && -z $output ]] || exit 1
echo "tree: $(git ls-files | wc -l) tracked files, none over 1 MiB, no build output"
