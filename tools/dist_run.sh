#!/usr/bin/env bash
# torchrun on this machine for any tool: bash tools/dist_run.sh TOOL N ARGS
# (dist_train.sh / dist_test.sh call it). One process per GPU, or CPU
# processes with gloo when there is no GPU. Several machines: NNODES,
# NODE_RANK, MASTER_ADDR (default 127.0.0.1), PORT (default 29500) as for
# torchrun. PYTHON: the interpreter (default: the project's .venv from
# scripts/install.sh, else python).
#
# When a process ends with one of the tools' clear errors (a missing file,
# a damaged or unfitting checkpoint, a batch size the model cannot train),
# torchrun prints its own traceback after it; the error is then repeated as
# the last line, so that it is what the user sees.
set -euo pipefail
TOOL=$1
NPROC=$2
shift 2
DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=${PYTHON:-$( [ -x "$DIR/../.venv/bin/python" ] && \
    echo "$DIR/../.venv/bin/python" || echo python)}
MM_PPLCNET_ERROR_FILE=$(mktemp)
export MM_PPLCNET_ERROR_FILE
trap 'rm -f "$MM_PPLCNET_ERROR_FILE"' EXIT
rc=0
"$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --master_port="${PORT:-29500}" --nproc_per_node="$NPROC" \
    "$DIR/$TOOL" "$@" --launcher pytorch || rc=$?
if [ "$rc" -ne 0 ] && [ -s "$MM_PPLCNET_ERROR_FILE" ]; then
    cat "$MM_PPLCNET_ERROR_FILE" >&2
fi
exit "$rc"
