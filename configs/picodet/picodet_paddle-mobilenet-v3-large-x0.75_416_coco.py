# PP-PicoDet (LCPAN + PicoHeadV2, S-416 recipe, 96 channels) on PaddleClas'
# MobileNetV3-large x0.75, the counterpart of picodet_pplcnet_1x_coco.py in
# the seed's comparison (PP-LCNet paper: PicoDet with PP-LCNet-1x 26.9 mAP /
# 7.9 ms against MobileNetV3-large-0.75x 25.8 / 11.1, legacy PicoDet head,
# Paddle's numbers). C3 / C4 / C5 = 32 / 88 / 120, without the final 1x1
# conv (with_last_conv=False), as PaddleDetection's MobileNetV3 PicoDet.
# ImageNet backbone: tools/model_converters/mobilenet_v3_to_mmpretrain.py
#   large_x0_75 checkpoints/mnv3-large-x0.75_backbone.pth --backbone-only
_base_ = './picodet_pplcnet_1x_coco.py'
model = dict(
    backbone=dict(
        _delete_=True,
        type='PaddleMobileNetV3',
        arch='large',
        scale=0.75,
        with_last_conv=False,
        out_indices=(2, 3, 4),
        init_cfg=None),
    neck=dict(in_channels=[32, 88, 120]))
