# PaddleClas' MobileNetV3 small x0.75 on ImageNet-1k (4 GPUs x 512).
# PaddleClas MobileNetV3_small_x0_75: top-1 66.02, top-5 86.33.
# Recipe: PaddleClas ppcls/configs/ImageNet/MobileNetV3/
# MobileNetV3_small_x0_75.yaml (commit d178931): the recipe of small x1.0,
# only the network differs. Converted weights:
#   python tools/model_converters/mobilenet_v3_to_mmpretrain.py \
#       small_x0_75 checkpoints/paddle-mobilenet-v3-small-x0.75_in1k.pth
_base_ = './paddle-mobilenet-v3-small-x1.0_4xb512_in1k.py'

model = dict(
    backbone=dict(arch='small', scale=0.75), head=dict(in_channels=432))
