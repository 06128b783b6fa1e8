# PaddleClas' MobileNetV3 large x0.5 on ImageNet-1k (4 GPUs x 512).
# PaddleClas MobileNetV3_large_x0_5: top-1 69.24, top-5 88.52.
# Recipe: PaddleClas ppcls/configs/ImageNet/MobileNetV3/
# MobileNetV3_large_x0_5.yaml (commit d178931): the recipe of small x1.0,
# only the network differs. Converted weights:
#   python tools/model_converters/mobilenet_v3_to_mmpretrain.py \
#       large_x0_5 checkpoints/paddle-mobilenet-v3-large-x0.5_in1k.pth
_base_ = './paddle-mobilenet-v3-small-x1.0_4xb512_in1k.py'

model = dict(
    backbone=dict(arch='large', scale=0.5), head=dict(in_channels=480))
