# PaddleClas' MobileNetV3 large x1.0 on ImageNet-1k (4 GPUs x 512).
# PaddleClas MobileNetV3_large_x1_0: top-1 75.32, top-5 92.31.
# Recipe: PaddleClas ppcls/configs/ImageNet/MobileNetV3/
# MobileNetV3_large_x1_0.yaml (commit d178931): the recipe of small x1.0
# plus AutoAugment (ImageNet policy, after crop and flip). Paddle trains it
# with lr 0.65 for 4 x 256 images; lr 1.3 for 4 x 512 is the same linear
# scaling (use --auto-scale-lr for another batch). Converted weights:
#   python tools/model_converters/mobilenet_v3_to_mmpretrain.py \
#       large_x1_0 checkpoints/paddle-mobilenet-v3-large-x1.0_in1k.pth
_base_ = './paddle-mobilenet-v3-small-x1.0_4xb512_in1k.py'

model = dict(
    backbone=dict(arch='large', scale=1.0), head=dict(in_channels=960))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, backend='cv2'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    # PaddleClas' ImageNetPolicy fills with grey (128, 128, 128)
    dict(type='AutoAugment', policies='imagenet', hparams=dict(pad_val=128)),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
