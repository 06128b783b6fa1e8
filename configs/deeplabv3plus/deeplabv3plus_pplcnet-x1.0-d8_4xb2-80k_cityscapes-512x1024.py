# DeepLabV3+ on PP-LCNet x1.0, output stride 8, Cityscapes 512x1024 crops,
# 80k iterations. PaddleClas reports 66.03 mIoU (Cityscapes val) for its
# unpublished DeepLabV3+ recipe with this backbone (docs/deeplabv3plus.md).
# Batch: 4 GPUs x 2 images = 8, lr 0.01. For another total batch B, add
# --auto-scale-lr (lr = 0.01 * B / 8).
# Backbone: PaddleClas' ImageNet weights (PPLCNet_x1_0_pretrained),
# converted once with
#   python tools/model_converters/pplcnet_to_mmpretrain.py paddle x1.0 \
#       checkpoints/pplcnet-x1.0_paddle_in1k-backbone.pth --backbone-only
# (or the downloaded .pdparams instead of x1.0; --ssld for the SSLD ones).
# Without the file training stops at weight initialization with
# "checkpoint file ... does not exist"; train from scratch with
#   --cfg-options model.backbone.init_cfg=None
_base_ = [
    '../_base_/models/deeplabv3plus_pplcnet-d8.py',
    '../_base_/datasets/cityscapes.py',
    '../_base_/default_runtime_mmseg.py',
    '../_base_/schedules/schedule_80k_paddleseg.py',
]
crop_size = (512, 1024)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(
        scale=1.0,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/pplcnet-x1.0_paddle_in1k-backbone.pth',
            prefix='backbone.')),
    decode_head=dict(in_channels=512, c1_in_channels=64),
    auxiliary_head=dict(in_channels=256))
