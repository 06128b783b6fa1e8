r"""Convert PaddleDetection PP-PicoDet (LCNet) weights for mm_pplcnet.

Both generations: the current PicoDet (LCPAN + PicoHeadV2) and the legacy
one (CSP-PAN + PicoHead: the 2021 COCO models and PP-Structure's layout
models); the generation is read from the keys (or checked against
``--generation``). Every format: .pdparams, inference models (.pdmodel /
.json + .pdiparams, e.g. a PaddleDetection deploy folder) and paddle2onnx
.onnx exports; no Paddle needed, nothing in the file executed
(--trust-pickle: see pplcnet_to_mmpretrain.py).

    # a PicoDet .pdparams (path or URL), sizes read from the weights
    python tools/model_converters/picodet_to_mmdet.py \
        picodet_s_416_coco_lcnet.pdparams checkpoints/picodet-s_416.pth
    # or check the weights against one of our configs
    python tools/model_converters/picodet_to_mmdet.py \
        picodet_s_416_coco_lcnet.pdparams checkpoints/picodet-s_416.pth \
        --config configs/picodet/picodet-s_lcnet_416_coco.py

    # the paddle2onnx export of PP-Structure's CDLA layout model
    python tools/model_converters/picodet_to_mmdet.py \
        layout_cdla.onnx checkpoints/layout.pth \
        --config configs/picodet/picodet-legacy_pplcnet-x1.0_800x608_cdla.py

    # a legacy PP-Structure layout model (CDLA, 10 classes)
    python tools/model_converters/picodet_to_mmdet.py \
        picodet_lcnet_x1_0_fgd_layout_cdla.pdparams checkpoints/layout.pth \
        --config configs/picodet/picodet-legacy_pplcnet-x1.0_800x608_cdla.py

PaddleDetection publishes the COCO models at
https://paddledet.bj.bcebos.com/models/picodet_{xs,s,m,l}_{320,416}_coco_lcnet.pdparams
(and picodet_l_640_coco_lcnet.pdparams). The output is an mmdet
checkpoint of the whole detector: test it with
``tools/test.py CONFIG OUT``. Keys or shapes that do not fit the model
(a wrong size, another number of classes) are an error listing them.
"""
from mm_pplcnet.converters import convert_picodet
from mm_pplcnet.converters.common import converter_parser, run_converter


def main() -> None:
    parser = converter_parser(
        __doc__,
        'PicoDet weights (any format above): file or URL',
        backbone_only=False,
        config_help='mmdet config whose model the weights must fit')
    parser.add_argument(
        '--num-classes', type=int, help='expected number of classes')
    parser.add_argument(
        '--generation',
        choices=['v2', 'legacy'],
        help='expected PicoDet generation (default: read from the weights)')
    args = parser.parse_args()
    meta = convert_picodet(args.src, args.dst, args.config, args.num_classes,
                           args.generation, args.trust_pickle)
    print(f'wrote {args.dst}: {meta["generation"]} PicoDet on LCNet '
          f'x{meta["scale"]:g}, '
          f'{meta["channels"]} channels, {meta["num_convs"]} tower blocks, '
          f'{meta["num_classes"]} classes, from {args.src}')


if __name__ == '__main__':
    run_converter(main)
