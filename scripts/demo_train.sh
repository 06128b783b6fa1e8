#!/usr/bin/env bash
# A training demo on built-in defaults: generate the toy classification set,
# train PP-LCNet x0.5 on it with tools/train.py, evaluate the checkpoint
# with tools/test.py. (`make demo` installs first, then runs this.)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${VENV:-$ROOT/.venv}/bin/python
cd "$ROOT"
CFG=configs/pplcnet/pplcnet-x0.5_1xb16_toy-cls.py
WORK=work_dirs/quickstart-cls
[ -d data/toy_cls/train ] || "$PY" tools/misc/make_toy_data.py cls data/toy_cls
rm -rf "$WORK"
"$PY" tools/train.py "$CFG" --work-dir "$WORK"
"$PY" tools/test.py "$CFG" "$WORK/iter_48.pth" --work-dir "$WORK/test"
