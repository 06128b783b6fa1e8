#!/usr/bin/env bash
# Train with N processes on this machine (one per GPU, or CPU processes
# with gloo when there is no GPU):
#   bash tools/dist_train.sh CONFIG N [train.py options]
# Several machines: NNODES, NODE_RANK, MASTER_ADDR, PORT as for torchrun.
set -euo pipefail
CONFIG=$1
NPROC=$2
shift 2
DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# the project's venv (scripts/install.sh) unless PYTHON says otherwise
PYTHON=${PYTHON:-$( [ -x "$DIR/../.venv/bin/python" ] && \
    echo "$DIR/../.venv/bin/python" || echo python)}
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --master_port="${PORT:-29500}" --nproc_per_node="$NPROC" \
    "$DIR/train.py" "$CONFIG" --launcher pytorch "$@"
