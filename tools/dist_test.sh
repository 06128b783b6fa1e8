#!/usr/bin/env bash
# Evaluate with N processes (see tools/dist_run.sh):
#   bash tools/dist_test.sh CONFIG CHECKPOINT N [test.py options]
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
NPROC=$3
shift 3
exec bash "$(dirname "${BASH_SOURCE[0]}")/dist_run.sh" test.py "$NPROC" \
    "$CONFIG" "$CHECKPOINT" "$@"
