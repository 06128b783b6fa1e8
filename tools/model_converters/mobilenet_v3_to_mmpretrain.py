r"""Convert PaddleClas MobileNetV3 weights for mm_pplcnet.

Every format, any number of classes: .pdparams, inference models
(.pdmodel / .json + .pdiparams) and paddle2onnx .onnx exports; no Paddle
needed, nothing in the file executed (--trust-pickle: see
pplcnet_to_mmpretrain.py).

    # PaddleClas .pdparams (path or URL), small / large x0.35 ... x1.25
    python tools/model_converters/mobilenet_v3_to_mmpretrain.py \
        MobileNetV3_large_x1_0_pretrained.pdparams \
        checkpoints/paddle-mobilenet-v3-large-x1.0.pth
    # shortcut for the published URL of a variant (needs internet)
    python tools/model_converters/mobilenet_v3_to_mmpretrain.py \
        large_x0_35 checkpoints/paddle-mobilenet-v3-large-x0.35.pth

The output is a full mmpretrain classifier checkpoint (PaddleMobileNetV3
backbone + PPLCNetClsHead, see configs/mobilenet_v3) plus a config that
fits it (OUT with .py), or with
--backbone-only just ``backbone.*``, for detection and segmentation
configs: ``init_cfg=dict(type='Pretrained', checkpoint=OUT,
prefix='backbone.')``. Arch and scale are read from the weights' shapes
unless given.
"""
from mm_pplcnet.converters import convert_mobilenet_v3, paddle_mobilenet_v3_url
from mm_pplcnet.converters.common import (converter_parser, resolve_source,
                                          run_converter)
from mm_pplcnet.converters.mobilenet_v3 import ARCHS, parse_variant
from mm_pplcnet.models.backbones import parse_scale


def main() -> None:
    parser = converter_parser(
        __doc__, 'weights file or URL, or a published variant such as '
        'large_x0_35 or small_x1_0 (downloads it)')
    parser.add_argument(
        '--arch', choices=ARCHS, help='inferred from the weights')
    parser.add_argument(
        '--scale', help='width multiplier (inferred from the weights)')
    args = parser.parse_args()
    src = resolve_source(
        args.src, lambda name: paddle_mobilenet_v3_url(*parse_variant(name)),
        'variant')
    scale = parse_scale(args.scale) if args.scale else None
    meta = convert_mobilenet_v3(src, args.dst, args.backbone_only, args.arch,
                                scale, args.trust_pickle, args.config)
    what = 'backbone' if args.backbone_only else 'classifier'
    print(f'wrote {args.dst}: PaddleClas MobileNetV3 {meta["arch"]} '
          f'x{meta["scale"]:g} {what} ({meta["num_classes"]} classes) '
          f'from {src} ({meta["format"]})')


if __name__ == '__main__':
    run_converter(main)
