# DeepLabV3+ on PaddleClas' MobileNetV3 large x0.75 (the network of
# PaddleClas' comparison, not mmseg's MobileNetV3), output stride 8,
# Cityscapes 512x1024 crops, 80k iterations: the recipe of the PP-LCNet
# configs with only the backbone changed. PaddleClas reports 64.53 mIoU
# (Cityscapes val) for its unpublished recipe (docs/deeplabv3plus.md).
# Backbone stages (PaddleMobileNetV3 docstring): 1 = blocks[1:3] at 1/4
# (c1 input), 2 = blocks[3:6] at 1/8, 3 = blocks[6:12] (stride 1,
# dilation 2; auxiliary head), 4 = blocks[12:15] + last_second_conv
# (stride 1, dilation 4; ASPP input).
# Batch: 4 GPUs x 2 images = 8, lr 0.01. For another total batch B, add
# --auto-scale-lr (lr = 0.01 * B / 8).
# Backbone: PaddleClas' ImageNet weights (MobileNetV3_large_x0_75_pretrained),
# converted once with
#   python tools/model_converters/mobilenet_v3_to_mmpretrain.py \
#       large_x0_75 \
#       checkpoints/paddle-mobilenet-v3-large-x0.75_in1k-backbone.pth \
#       --backbone-only
# (or the downloaded .pdparams instead of large_x0_75).
# Without the file training stops at weight initialization with
# "checkpoint file ... does not exist"; train from scratch with
#   --cfg-options model.backbone.init_cfg=None
_base_ = './deeplabv3plus_pplcnet-x1.0-d8_4xb2-80k_cityscapes-512x1024.py'
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    backbone=dict(
        _delete_=True,
        type='PaddleMobileNetV3',
        arch='large',
        scale=0.75,
        out_indices=(1, 2, 3, 4),
        strides=(2, 2, 2, 1, 1),
        dilations=(1, 1, 1, 2, 4),
        norm_cfg=norm_cfg,
        norm_eval=False,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/'
            'paddle-mobilenet-v3-large-x0.75_in1k-backbone.pth',
            prefix='backbone.')),
    decode_head=dict(in_channels=720, c1_in_channels=24),
    auxiliary_head=dict(in_channels=88))
