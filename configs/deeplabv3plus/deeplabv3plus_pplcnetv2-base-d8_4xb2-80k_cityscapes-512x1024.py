# DeepLabV3+ on PP-LCNetV2 base, output stride 8, Cityscapes 512x1024
# crops, 80k iterations: the PP-LCNet x1.0 config
# (deeplabv3plus_pplcnet-x1.0-d8_4xb2-80k_cityscapes-512x1024.py, same
# head, schedule and data) with the V2 backbone. Stages 1-4 (out_indices)
# at strides 4, 8, 8, 8: stages.2 and stages.3 keep stride 1 and dilate
# their depthwise convs (all branches) by 2 and 4; the branches and the
# shortcut stay those of the ImageNet network, so its weights load.
# Channels: c1 (stride 4) 128, aux (stages.2) 512, ASPP input 1024.
# Backbone: PaddleClas' ImageNet weights (PPLCNetV2_base_pretrained),
# converted once with
#   python tools/model_converters/pplcnetv2_to_mmpretrain.py paddle base \
#       checkpoints/pplcnetv2-base_paddle_in1k-backbone.pth --backbone-only
# Train from scratch with --cfg-options model.backbone.init_cfg=None.
# No published mIoU exists for this backbone; none is claimed.
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
        type='PPLCNetV2',
        arch='base',
        scale=None,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/pplcnetv2-base_paddle_in1k-backbone.pth',
            prefix='backbone.')),
    decode_head=dict(in_channels=1024, c1_in_channels=128),
    auxiliary_head=dict(in_channels=512))
