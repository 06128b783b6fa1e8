# PaddleClas' MobileNetV3 small x1.25 on ImageNet-1k (4 GPUs x 512).
# PaddleClas MobileNetV3_small_x1_25: top-1 70.67, top-5 89.51.
# Recipe: PaddleClas ppcls/configs/ImageNet/MobileNetV3/
# MobileNetV3_small_x1_25.yaml (commit d178931): the recipe of small x1.0,
# only the network differs. Converted weights:
#   python tools/model_converters/mobilenet_v3_to_mmpretrain.py \
#       small_x1_25 checkpoints/paddle-mobilenet-v3-small-x1.25_in1k.pth
_base_ = './paddle-mobilenet-v3-small-x1.0_4xb512_in1k.py'

model = dict(
    backbone=dict(arch='small', scale=1.25), head=dict(in_channels=720))
