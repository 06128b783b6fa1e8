r"""Export a model (or its backbone) of one of our configs to ONNX.

    python tools/deployment/export_onnx.py CONFIG [CHECKPOINT] \
        [--out model.onnx] [--shape H W] [--backbone-only]

The graph has a fixed input shape (the config's test size unless --shape)
and the network's raw outputs (``output0`` ...): logits for classifiers,
per-level maps for detectors, logits at 1/4 (or the decoder's) resolution
for segmentors; post-processing stays in your runtime. After export, ONNX
Runtime's outputs are compared with PyTorch's; a difference above 1e-4 is
an error. Without a checkpoint the weights are random (for a dry run).
"""
import argparse

from mm_pplcnet.deploy import build_export_model, export_and_check
from mm_pplcnet.engine import run_cli


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 1)[1])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?')
    parser.add_argument('--out', default='model.onnx')
    parser.add_argument('--shape', nargs=2, type=int, metavar=('H', 'W'))
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument('--backbone-only', action='store_true')
    parser.add_argument('--opset', type=int, default=17)
    args = parser.parse_args()
    try:
        model, hw, _ = build_export_model(args.config, args.checkpoint,
                                          args.backbone_only, args.shape)
    except ValueError as err:  # e.g. no fixed test size and no --shape
        parser.error(str(err))
    shape = (args.batch, 3, *hw)
    result = export_and_check(model, args.out, shape, opset=args.opset)
    print(f'wrote {args.out}: input {shape}, outputs {result["shapes"]}, '
          f'max |ONNX Runtime - PyTorch| = {max(result["max_abs_diff"]):.2e}')


if __name__ == '__main__':
    run_cli(main)
