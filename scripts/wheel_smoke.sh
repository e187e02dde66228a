#!/usr/bin/env bash
# Build the wheel, install it into a fresh virtual environment and use it as a user would: from a
# folder that is not the repository, so nothing but the wheel's own files can be found. Checks that
# the package data ships (layout tables, review page), that a run says plainly which config and
# rules it used, that the rule files of the repository check out with the installed command, and
# that the installed command pointed at the repository's seeds/ writes exactly the committed cleaned/.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$python" -m pip wheel -q --no-deps -w "$work/dist" "$repo"
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$work"/dist/cleaner-*.whl

mkdir "$work/corpus"
cp "$repo"/seeds/*.txt "$work/corpus/"
cd "$work"
"$work/venv/bin/clean" corpus out > run.log 2>&1 || { cat run.log; exit 1; }
grep -q "rules: none apply" run.log || { echo "the run did not say that no rules apply"; cat run.log; exit 1; }
"$work/venv/bin/cleaner" verify corpus out > /dev/null
"$work/venv/bin/cleaner" report out -o review.html > /dev/null
test -s review.html
# With the repository's rules named, the installed command applies them as the repository's does.
"$work/venv/bin/cleaner" rules check "$repo/rules/" > /dev/null
"$work/venv/bin/clean" corpus with-rules --rules "$repo/rules/" > rules.log 2>&1
grep -q "rule hits:" rules.log || { echo "the repository's rules made no hit"; cat rules.log; exit 1; }
# Pointed at the repository's seeds/ from elsewhere, the installed command finds the repository's
# cleaner.toml above them (and through it rules/) and writes exactly the committed cleaned/.
"$work/venv/bin/clean" "$repo/seeds" from-wheel > wheel.log 2>&1 || { cat wheel.log; exit 1; }
grep -q "rules: none apply" wheel.log && { echo "the repository's config was not found"; cat wheel.log; exit 1; }
for expected in "$repo"/cleaned/*.txt; do
    cmp -s "$expected" "from-wheel/$(basename "$expected")" || { echo "differs from cleaned/: $(basename "$expected")"; exit 1; }
done
echo "wheel: built, installed and used from outside the repository: ok"
