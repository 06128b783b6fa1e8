# PaddleClas' MobileNetV3 large x1.25 on ImageNet-1k (4 GPUs x 512).
# PaddleClas MobileNetV3_large_x1_25: top-1 76.41, top-5 92.95.
# Recipe: PaddleClas ppcls/configs/ImageNet/MobileNetV3/
# MobileNetV3_large_x1_25.yaml (commit d178931), the same as small x1.0
# except L2 4e-5. Converted weights:
#   python tools/model_converters/mobilenet_v3_to_mmpretrain.py \
#       large_x1_25 checkpoints/paddle-mobilenet-v3-large-x1.25_in1k.pth
_base_ = './paddle-mobilenet-v3-small-x1.0_4xb512_in1k.py'

model = dict(
    backbone=dict(arch='large', scale=1.25), head=dict(in_channels=1200))
optim_wrapper = dict(optimizer=dict(weight_decay=4e-5))
