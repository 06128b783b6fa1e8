"""Convert PaddleDetection PP-PicoDet (LCNet) weights for mm_pplcnet.

    # a PicoDet .pdparams (path or URL), sizes read from the weights
    python tools/model_converters/picodet_to_mmdet.py \
        picodet_s_416_coco_lcnet.pdparams checkpoints/picodet-s_416.pth
    # or check the weights against one of our configs
    python tools/model_converters/picodet_to_mmdet.py \
        picodet_s_416_coco_lcnet.pdparams checkpoints/picodet-s_416.pth \
        --config configs/picodet/picodet-s_lcnet_416_coco.py

PaddleDetection publishes the COCO models at
https://paddledet.bj.bcebos.com/models/picodet_{xs,s,m,l}_{320,416}_coco_lcnet.pdparams
(and picodet_l_640_coco_lcnet.pdparams). The output is an mmdet
checkpoint of the whole detector: test it with
``tools/test.py CONFIG OUT``. Keys or shapes that do not fit the model
(a wrong size, another number of classes) are an error listing them.
"""
import argparse

from mm_pplcnet.converters import convert_picodet


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 1)[1])
    parser.add_argument('src', help='PicoDet .pdparams file or URL')
    parser.add_argument('dst', help='output .pth')
    parser.add_argument(
        '--config', help='mmdet config whose model the weights must fit')
    parser.add_argument(
        '--num-classes', type=int, help='expected number of classes')
    args = parser.parse_args()
    meta = convert_picodet(args.src, args.dst, args.config, args.num_classes)
    print(f'wrote {args.dst}: PicoDet on LCNet x{meta["scale"]:g}, '
          f'{meta["channels"]} channels, {meta["num_convs"]} tower blocks, '
          f'{meta["num_classes"]} classes, from {args.src}')


if __name__ == '__main__':
    main()
