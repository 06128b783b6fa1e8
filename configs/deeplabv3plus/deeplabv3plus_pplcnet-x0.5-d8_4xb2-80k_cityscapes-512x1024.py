# DeepLabV3+ on PP-LCNet x0.5, output stride 8, Cityscapes 512x1024 crops,
# 80k iterations. PaddleClas reports 58.36 mIoU (Cityscapes val) for its
# unpublished DeepLabV3+ recipe with this backbone (docs/deeplabv3plus.md).
# Batch: 4 GPUs x 2 images = 8, lr 0.01. For another total batch B, add
# --auto-scale-lr (lr = 0.01 * B / 8).
# Backbone: PaddleClas' ImageNet weights (PPLCNet_x0_5_pretrained),
# converted once with
#   python tools/model_converters/pplcnet_to_mmpretrain.py paddle x0.5 \
#       checkpoints/pplcnet-x0.5_paddle_in1k-backbone.pth --backbone-only
# (or the downloaded .pdparams instead of x0.5; --ssld for the SSLD ones).
# Without the file training stops at weight initialization with
# "checkpoint file ... does not exist"; train from scratch with
#   --cfg-options model.backbone.init_cfg=None
_base_ = './deeplabv3plus_pplcnet-x1.0-d8_4xb2-80k_cityscapes-512x1024.py'
model = dict(
    backbone=dict(
        scale=0.5,
        init_cfg=dict(
            checkpoint='checkpoints/pplcnet-x0.5_paddle_in1k-backbone.pth')),
    decode_head=dict(in_channels=256, c1_in_channels=32),
    auxiliary_head=dict(in_channels=128))
