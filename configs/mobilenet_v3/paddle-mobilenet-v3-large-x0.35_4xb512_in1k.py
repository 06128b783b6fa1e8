# PaddleClas' MobileNetV3 large x0.35 on ImageNet-1k (4 GPUs x 512).
# PaddleClas MobileNetV3_large_x0_35: top-1 64.32, top-5 85.46.
# Recipe: PaddleClas ppcls/configs/ImageNet/MobileNetV3/
# MobileNetV3_large_x0_35.yaml (commit d178931): the recipe of small x1.0,
# only the network differs. Converted weights:
#   python tools/model_converters/mobilenet_v3_to_mmpretrain.py \
#       large_x0_35 checkpoints/paddle-mobilenet-v3-large-x0.35_in1k.pth
_base_ = './paddle-mobilenet-v3-small-x1.0_4xb512_in1k.py'

model = dict(
    backbone=dict(arch='large', scale=0.35), head=dict(in_channels=336))
