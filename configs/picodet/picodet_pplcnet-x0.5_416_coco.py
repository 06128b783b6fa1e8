# PP-PicoDet (LCPAN + PicoHeadV2, S-416 recipe, 96 channels) on PP-LCNet
# x0.5 (C3 / C4 / C5 = 64 / 128 / 256): the seed's backbone comparison
# (PP-LCNet paper: PicoDet with PP-LCNet-0.5x 20.3 mAP / 6.0 ms against
# MobileNetV3-large-0.35x 19.2 / 8.1, legacy PicoDet head, Paddle's
# numbers). Its MobileNetV3 counterpart:
# picodet_paddle-mobilenet-v3-large-x0.35_416_coco.py.
# ImageNet backbone: tools/model_converters/pplcnet_to_mmpretrain.py paddle
#   x0.5 checkpoints/pplcnet-x0.5_backbone.pth --backbone-only
_base_ = './picodet_pplcnet_1x_coco.py'
model = dict(backbone=dict(scale=0.5), neck=dict(in_channels=[64, 128, 256]))
