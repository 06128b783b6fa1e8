# DeepLabV3+ on PP-LCNetV2 base, output stride 8, Cityscapes 512x1024
# crops, 80k iterations: the PP-LCNet x1.0 config (same head, schedule and
# data) with the V2 backbone. Stages 1-4 (out_indices) at strides 4, 8, 8,
# 8: stages.2 and stages.3 keep stride 1 and dilate their depthwise convs
# (all branches) by 2 and 4; the branches and the shortcut stay those of
# the ImageNet network, so its weights load. Channels: c1 (stride 4) 128,
# aux (stages.2) 512, ASPP input 1024.
# Backbone: PaddleClas' ImageNet weights (PPLCNetV2_base_pretrained),
# converted once with
#   python tools/model_converters/pplcnetv2_to_mmpretrain.py paddle base \
#       checkpoints/pplcnetv2-base_paddle_in1k-backbone.pth --backbone-only
# Train from scratch with --cfg-options model.backbone.init_cfg=None.
# No published mIoU exists for this backbone; none is claimed.
_base_ = ['./deeplabv3plus_pplcnet-x1.0-d8_4xb2-80k_cityscapes-512x1024.py']
model = dict(
    backbone=dict(
        type='PPLCNetV2',
        arch='base',
        scale=None,
        init_cfg=dict(
            checkpoint='checkpoints/pplcnetv2-base_paddle_in1k-backbone.pth')),
    decode_head=dict(in_channels=1024, c1_in_channels=128),
    auxiliary_head=dict(in_channels=512))
