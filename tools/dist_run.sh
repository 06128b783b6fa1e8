#!/usr/bin/env bash
# torchrun on this machine for any tool: bash tools/dist_run.sh TOOL N ARGS
# (dist_train.sh / dist_test.sh call it). One process per GPU, or CPU
# processes with gloo when there is no GPU. Several machines: NNODES,
# NODE_RANK, MASTER_ADDR, PORT as for torchrun. PYTHON: the interpreter
# (default: the project's .venv from scripts/install.sh, else python).
set -euo pipefail
TOOL=$1
NPROC=$2
shift 2
DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=${PYTHON:-$( [ -x "$DIR/../.venv/bin/python" ] && \
    echo "$DIR/../.venv/bin/python" || echo python)}
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --master_port="${PORT:-29500}" --nproc_per_node="$NPROC" \
    "$DIR/$TOOL" "$@" --launcher pytorch
