# PaddleClas' MobileNetV3 small x0.35 on ImageNet-1k (4 GPUs x 512).
# PaddleClas MobileNetV3_small_x0_35: top-1 53.03, top-5 76.37.
# Recipe: PaddleClas ppcls/configs/ImageNet/MobileNetV3/
# MobileNetV3_small_x0_35.yaml (commit d178931), the same as small x1.0
# except L2 1e-5. Converted weights:
#   python tools/model_converters/mobilenet_v3_to_mmpretrain.py \
#       small_x0_35 checkpoints/paddle-mobilenet-v3-small-x0.35_in1k.pth
_base_ = './paddle-mobilenet-v3-small-x1.0_4xb512_in1k.py'

model = dict(
    backbone=dict(arch='small', scale=0.35), head=dict(in_channels=200))
optim_wrapper = dict(optimizer=dict(weight_decay=1e-5))
