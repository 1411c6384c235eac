#!/usr/bin/env bash
# `make demo`: set up the instance and database, load the sample into an empty log, serve.
# Honours JOURNEY_DATABASE_URL, JOURNEY_INSTANCE_DIR and JOURNEY_BASE_URL (README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

journey=.venv/bin/journey
sample=demo/sample.jsonl

"$journey" init

# `verify --json` reports the number of events in the log; import only into an empty one,
# so running the demo again keeps what was recorded since.
events=$("$journey" verify --json | .venv/bin/python -c 'import json, sys; print(json.load(sys.stdin)["events"])')
if [ "$events" = 0 ]; then
    echo "Empty log: importing $sample"
    "$journey" import "$sample" --keep-recorded-at
else
    echo "The log already holds $events events: not importing $sample"
fi

echo "Journey on http://127.0.0.1:5000 (Ctrl-C stops it)"
exec "$journey" serve
