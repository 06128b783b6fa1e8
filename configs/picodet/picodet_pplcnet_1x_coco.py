# PP-PicoDet (current design: LCPAN + PicoHeadV2) on PP-LCNet x1.0, 416.
# PaddleDetection has no v2 config with LCNet x1.0: this is the S-416
# recipe with the x1.0 backbone (C3 / C4 / C5 = 128 / 256 / 512) and the
# width of Paddle's LCNet-1.0x PicoDet (legacy picodet_lcnet_1_0x_416_coco:
# 96 channels, 2 tower blocks). 300 epochs, 4 GPUs x 48 images, lr 0.24
# (= 0.00125 x 192); --auto-scale-lr rescales it to your total batch.
#   python tools/train.py configs/picodet/picodet_pplcnet_1x_coco.py
# ImageNet backbone (recommended, as PaddleDetection): convert it with
#   python tools/model_converters/pplcnet_to_mmpretrain.py paddle x1.0 \
#       checkpoints/pplcnet-x1.0_backbone.pth --backbone-only
# and set model.backbone.init_cfg = dict(type='Pretrained',
#     checkpoint='checkpoints/pplcnet-x1.0_backbone.pth', prefix='backbone.')
_base_ = './picodet-s_lcnet_416_coco.py'
model = dict(backbone=dict(scale=1.0), neck=dict(in_channels=[128, 256, 512]))
