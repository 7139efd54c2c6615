#!/usr/bin/env bash
# Smoke test of the compiled binary, run from a directory with no node_modules: the full demo
# pipeline (in-process sim, REST, DXLink, import + statistics on Bun Workers with nodejs-polars),
# then import and stats as separate commands, each of which starts workers that load polars.
set -euo pipefail
bin="$1"
work=$(pwd)
"$bin" run --demo --json > demo.json
grep -q '"status"' demo.json || { echo "run --demo printed no summary"; cat demo.json; exit 1; }
src=$(find "$work" -type d -name 'metastock*' -path '*demo*' | head -1)
[ -n "$src" ] || src=$(find "$work" -type f -name '*.txt' -path '*demo*' -printf '%h\n' | head -1)
[ -n "$src" ] || { echo "demo fixtures not found under $work"; exit 1; }
"$bin" import "$src" --out "$work/ds" --workers 2 --json > import.json
grep -q '"rows"' import.json || { echo "import printed no summary"; cat import.json; exit 1; }
ls "$work"/ds/bars/*/*/*.parquet >/dev/null
"$bin" stats --data "$work/ds" --windows 20,60 --workers 2 --json > stats.json
grep -q '"estimator"' stats.json || { echo "stats printed no estimates"; head -c 500 stats.json; exit 1; }
"$bin" run --demo --cached --json > cached.json
# The report: uPlot and the page script must be embedded in the binary.
"$bin" report --out "$work/report.html" --json > report.json
grep -q '"file"' report.json || { echo "report printed no summary"; cat report.json; exit 1; }
grep -q 'uPlot' "$work/report.html" && grep -q '__report' "$work/report.html" || { echo "report lacks its inlined scripts"; exit 1; }
echo "binary smoke test: ok ($(wc -c < demo.json) B demo summary, $(grep -o '"rows":[0-9]*' import.json | head -1), $(grep -o '"estimator"' stats.json | wc -l) estimates)"
