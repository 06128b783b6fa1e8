r"""Write a deploy folder: model + deploy.json, run without torch.

    python tools/deployment/deploy.py CONFIG CKPT --out DIR \
        [--backend onnxruntime|openvino] \
        [--int8 (--calib IMAGES | --calib-dataset) [--calib-size 64]]

DIR gets the network (model.onnx, or model.xml + model.bin for OpenVINO)
and deploy.json: the config's test preprocessing (resize mode and size,
mean / std, channel order), the class names and the post-processing
settings. Run it with mm_pplcnet.deploy.Predictor(DIR) or
tools/demo/deploy_demo.py. Before it returns, the folder's Predictor is
compared with PyTorch predict on two odd-sized images in one batch (boxes
within 1e-2 px, same labels, label maps equal but for 0.1 % of pixels);
a mismatch is an error. With --int8 the network is quantized after
calibration and an accuracy report (INT8 against FP32) is written next
to it (int8_report.json). Without CKPT the weights are random (dry run).
"""
import argparse

from mm_pplcnet.deploy.make import make_deploy_folder
from mm_pplcnet.utils.checkpoint import CheckpointError


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 1)[1])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?')
    parser.add_argument('--out', required=True, help='deploy folder')
    parser.add_argument(
        '--backend',
        default='onnxruntime',
        choices=('onnxruntime', 'openvino'))
    parser.add_argument('--int8', action='store_true')
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--calib', help='folder of calibration images')
    group.add_argument(
        '--calib-dataset',
        action='store_true',
        help="calibrate on the config's test dataset")
    parser.add_argument(
        '--calib-size',
        type=int,
        default=64,
        help='calibration images, and as many others held out for the '
        'report (default 64; with fewer than twice as many images the '
        'report is on the calibration images, and says so)')
    parser.add_argument(
        '--no-check',
        action='store_true',
        help='skip the comparison with PyTorch predict')
    args = parser.parse_args()
    if (args.calib or args.calib_dataset) and not args.int8:
        parser.error('--calib / --calib-dataset only go with --int8')
    if args.calib_size < 1:
        parser.error(f'--calib-size must be at least 1, got {args.calib_size}')
    try:
        spec = make_deploy_folder(
            args.config,
            args.checkpoint,
            args.out,
            args.backend,
            int8=args.int8,
            calib=args.calib,
            calib_dataset=args.calib_dataset,
            calib_size=args.calib_size,
            check=not args.no_check)
    except (OSError, ValueError, CheckpointError) as err:
        raise SystemExit(f'error: {err}')
    print(f'wrote {args.out}: {spec["task"]}, {spec["backend"]}, '
          f'{spec["model"]["precision"]}, files '
          f'{list(spec["model"]["files"])}')


if __name__ == '__main__':
    main()
