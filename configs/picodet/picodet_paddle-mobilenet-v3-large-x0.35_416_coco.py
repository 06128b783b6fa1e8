# PP-PicoDet (LCPAN + PicoHeadV2, S-416 recipe, 96 channels) on PaddleClas'
# MobileNetV3-large x0.35, the counterpart of picodet_pplcnet-x0.5_416_coco.py
# in the seed's comparison. As in PaddleDetection, the neck takes the last
# block of each stride (C3 / C4 / C5 = 16 / 40 / 56, without the final 1x1
# conv to 960 x scale: with_last_conv=False).
# ImageNet backbone: tools/model_converters/mobilenet_v3_to_mmpretrain.py
#   large_x0_35 checkpoints/mnv3-large-x0.35_backbone.pth --backbone-only
# (its last_second_conv weights are skipped when loading).
_base_ = './picodet_pplcnet_1x_coco.py'
model = dict(
    backbone=dict(
        _delete_=True,
        type='PaddleMobileNetV3',
        arch='large',
        scale=0.35,
        with_last_conv=False,
        out_indices=(2, 3, 4),
        init_cfg=None),
    neck=dict(in_channels=[16, 40, 56]))
