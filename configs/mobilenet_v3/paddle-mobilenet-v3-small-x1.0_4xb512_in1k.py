# PaddleClas' MobileNetV3 small x1.0 on ImageNet-1k (4 GPUs x 512).
# PaddleClas MobileNetV3_small_x1_0: top-1 68.24, top-5 88.06.
# Recipe: PaddleClas ppcls/configs/ImageNet/MobileNetV3/
# MobileNetV3_small_x1_0.yaml (commit d178931): 360 epochs, Momentum 0.9,
# cosine lr 1.3 for 4 x 512 images, 5 warm-up epochs, L2 2e-5 (none on
# BN), label smoothing 0.1, RandCropImage 224 + flip; eval resize 256,
# crop 224. The other variants inherit this file and change what their
# PaddleClas yaml changes. Converted weights:
#   python tools/model_converters/mobilenet_v3_to_mmpretrain.py \
#       small_x1_0 checkpoints/paddle-mobilenet-v3-small-x1.0_in1k.pth
_base_ = [
    '../_base_/datasets/imagenet_bs512_pplcnet.py',
    '../_base_/schedules/imagenet_bs2048_pplcnet_360e.py',
    '../_base_/default_runtime_mmpretrain.py',
]

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='PaddleMobileNetV3', arch='small', scale=1.0, out_indices=(4, )),
    neck=dict(type='GlobalAveragePooling'),
    # Paddle's head after last_second_conv: 1x1 conv to 1280 (no bias),
    # hardswish, dropout 0.2, fc
    head=dict(
        type='PPLCNetClsHead',
        num_classes=1000,
        in_channels=576,
        mid_channels=1280,
        dropout=0.2,
        # PaddleClas CELoss(epsilon=0.1)
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        topk=(1, 5)))

optim_wrapper = dict(optimizer=dict(lr=1.3, weight_decay=2e-5))
