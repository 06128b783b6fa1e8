r"""Convert PP-LCNetV2 ImageNet weights (PaddleClas or timm) for mm_pplcnet.

    # PaddleClas .pdparams (path or URL): PPLCNetV2_{small,base,large}
    python tools/model_converters/pplcnetv2_to_mmpretrain.py paddle \
        PPLCNetV2_base_pretrained.pdparams checkpoints/pplcnetv2-base.pth
    # shortcut for the published URL of a variant (needs internet)
    python tools/model_converters/pplcnetv2_to_mmpretrain.py paddle \
        base checkpoints/pplcnetv2-base.pth [--ssld]
    # timm lcnetv2_small / base / large state dict (.pth / .safetensors)
    python tools/model_converters/pplcnetv2_to_mmpretrain.py timm \
        lcnetv2_base.safetensors checkpoints/lcnetv2_base_timm.pth

The output is a full mmpretrain classifier checkpoint, or with
--backbone-only just ``backbone.*``, for detection and segmentation
configs: ``init_cfg=dict(type='Pretrained', checkpoint=OUT,
prefix='backbone.')``. The trained depthwise branches are kept (Paddle's
extra already-folded ``dw_conv`` keys are dropped); fold them for
inference with ``model.backbone.switch_to_deploy()``. Weights that are
folded already (timm after ``reparameterize_model``) need
``backbone.deploy=True``.
"""
from mm_pplcnet.converters.common import (converter_parser, resolve_source,
                                          run_converter)
from mm_pplcnet.converters.pplcnetv2 import (ARCHS, convert_pplcnetv2,
                                             paddle_url)


def main() -> None:
    parser = converter_parser(
        __doc__,
        'weights file or URL (paddle: also a variant name, small, base or '
        'large, for the published file)',
        sources=('paddle', 'timm'),
        ssld_help='with a variant name: the SSLD weights (base)',
        config_help=None)
    parser.add_argument(
        '--arch', choices=ARCHS, help='variant (inferred from the weights)')
    args = parser.parse_args()
    src = args.src
    if args.source == 'paddle':
        src = resolve_source(
            src, lambda name: paddle_url(
                name.lower().replace('pplcnetv2_', ''), ssld=args.ssld),
            'variant')
    meta = convert_pplcnetv2(
        args.source,
        src,
        args.dst,
        args.backbone_only,
        args.arch,
        trust_pickle=args.trust_pickle)
    what = 'backbone' if args.backbone_only else 'classifier'
    folded = ', folded (deploy=True)' if meta['deploy'] else ''
    print(f'wrote {args.dst}: PP-LCNetV2 {meta["arch"]} {what} '
          f'({meta["num_classes"]} classes{folded}) from {src}; dropped '
          f'{meta["dropped_folded_keys"]} already-folded keys')


if __name__ == '__main__':
    run_converter(main)
