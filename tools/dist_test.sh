#!/usr/bin/env bash
# Evaluate with N processes: bash tools/dist_test.sh CONFIG CKPT N [opts]
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
NPROC=$3
shift 3
DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# the project's venv (scripts/install.sh) unless PYTHON says otherwise
PYTHON=${PYTHON:-$( [ -x "$DIR/../.venv/bin/python" ] && \
    echo "$DIR/../.venv/bin/python" || echo python)}
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --master_port="${PORT:-29500}" --nproc_per_node="$NPROC" \
    "$DIR/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "$@"
