# DeepLabV3+ on PaddleClas' MobileNetV3 large x0.5, output stride 8,
# Cityscapes 512x1024 crops, 80k iterations: the x0.75 config at half
# width. PaddleClas reports 55.42 mIoU (Cityscapes val) for its
# unpublished recipe (docs/deeplabv3plus.md).
# Batch: 4 GPUs x 2 images = 8, lr 0.01. For another total batch B, add
# --auto-scale-lr (lr = 0.01 * B / 8).
# Backbone: PaddleClas' ImageNet weights (MobileNetV3_large_x0_5_pretrained),
# converted once with
#   python tools/model_converters/mobilenet_v3_to_mmpretrain.py \
#       large_x0_5 \
#       checkpoints/paddle-mobilenet-v3-large-x0.5_in1k-backbone.pth \
#       --backbone-only
# (or the downloaded .pdparams instead of large_x0_5).
# Without the file training stops at weight initialization with
# "checkpoint file ... does not exist"; train from scratch with
#   --cfg-options model.backbone.init_cfg=None
_base_ = ('./deeplabv3plus_paddle-mobilenet-v3-large-x0.75-d8_4xb2-80k_'
          'cityscapes-512x1024.py')
model = dict(
    backbone=dict(
        scale=0.5,
        init_cfg=dict(checkpoint='checkpoints/'
                      'paddle-mobilenet-v3-large-x0.5_in1k-backbone.pth')),
    decode_head=dict(in_channels=480, c1_in_channels=16),
    auxiliary_head=dict(in_channels=56))
