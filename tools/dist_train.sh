#!/usr/bin/env bash
# Train with N processes (see tools/dist_run.sh):
#   bash tools/dist_train.sh CONFIG N [train.py options]
set -euo pipefail
CONFIG=$1
NPROC=$2
shift 2
exec bash "$(dirname "${BASH_SOURCE[0]}")/dist_run.sh" train.py "$NPROC" \
    "$CONFIG" "$@"
