"""Parameters, MACs and Paddle-style FLOPs of a config's model.

    python tools/analysis/get_flops.py CONFIG [--shape H W]

MACs are the multiply-adds of convolutions and linear layers (what
mmengine / fvcore call FLOPs); Paddle-style FLOPs add BN (2 per element)
and adaptive pooling, as PaddleClas' and PaddleDetection's tables do.
"""
import argparse

from mm_pplcnet.benchmark import count_complexity
from mm_pplcnet.deploy import build_export_model
from mm_pplcnet.engine import run_cli


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--shape', nargs=2, type=int, metavar=('H', 'W'))
    parser.add_argument('--backbone-only', action='store_true')
    args = parser.parse_args()
    try:
        model, hw, _ = build_export_model(args.config, None,
                                          args.backbone_only, args.shape)
    except ValueError as err:  # e.g. no fixed test size and no --shape
        parser.error(str(err))
    shape = (1, 3, *hw)
    c = count_complexity(model, shape)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f'{args.config}\n  input {shape}\n  params {c.params:,} '
          f'({trainable:,} trainable)\n  MACs {c.macs / 1e9:.3f} G\n'
          f'  Paddle-style FLOPs {c.paddle_flops / 1e9:.3f} G')


if __name__ == '__main__':
    run_cli(main)
