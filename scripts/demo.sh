#!/usr/bin/env bash
# `make demo`: set up the instance and database, load the demo communities into an empty
# log, serve. Honours JOURNEY_DATABASE_URL, JOURNEY_INSTANCE_DIR and JOURNEY_BASE_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

journey=.venv/bin/journey

"$journey" init
# Into an empty log only, so running the demo again keeps what was recorded since.
"$journey" demo --if-empty

echo "Journey on http://127.0.0.1:5000 (Ctrl-C stops it)"
exec "$journey" serve
