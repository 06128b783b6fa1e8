# DeepLabV3+ on PP-LCNet x1.0 at output stride 8 (mmseg's
# deeplabv3plus_r50-d8.py with a PP-LCNet backbone).
# Backbone: blocks3..blocks6 (out_indices 1-4) at strides 4, 8, 8, 8:
# blocks5 and blocks6 keep stride 1 and dilate their depthwise convs by 2
# and 4. The first output must be the stride-4 feature: the head's
# low-level (c1) branch always reads inputs[0].
# Head: ASPP with rates (1, 12, 24, 36) on blocks6 (in_index 3), c1 =
# blocks3 projected to 48 channels (PaddleSeg's DeepLabV3P). The ASPP and
# decoder width is 128, mmseg's choice for its light ResNet-18 DeepLabV3+:
# mmseg's ASPP fuses its 5 branches with a dense 3x3 conv, whose cost
# grows with the square of the width (docs/deeplabv3plus.md has the FLOPs).
# Auxiliary FCN head (weight 0.4) on blocks5 (in_index 2).
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='PPLCNet',
        scale=1.0,
        out_indices=(1, 2, 3, 4),
        strides=(1, 2, 2, 1, 1),
        dilations=(1, 1, 1, 2, 4),
        norm_cfg=norm_cfg,
        norm_eval=False),
    decode_head=dict(
        type='DepthwiseSeparableASPPHead',
        in_channels=512,
        in_index=3,
        channels=128,
        dilations=(1, 12, 24, 36),
        c1_in_channels=64,
        c1_channels=48,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=256,
        in_index=2,
        channels=64,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
