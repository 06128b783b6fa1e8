#!/usr/bin/env bash
# The main job on built-in defaults: the CPU benchmark of PP-LCNet (8
# scales) against PaddleClas' MobileNetV3 (10 variants) on every installed
# backend, with PaddleClas' own networks on Paddle Inference as reference
# rows. Writes outputs/benchmark/benchmark.{txt,json,csv,png}.
# (`make run` installs the stack and the backends first, then runs this.)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${VENV:-$ROOT/.venv}/bin/python
cd "$ROOT"
"$PY" tools/benchmark.py "$@"
