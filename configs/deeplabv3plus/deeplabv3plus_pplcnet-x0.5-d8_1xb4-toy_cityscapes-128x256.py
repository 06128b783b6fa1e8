# DeepLabV3+ on PP-LCNet x0.5 (output stride 8, the model of the
# Cityscapes config, from scratch) on the generated toy street scenes: a
# CPU run of the whole mmseg loop (train, validate, checkpoint, resume,
# test) in about 2 minutes on 2 cores.
#   python tools/misc/make_toy_data.py cityscapes data/toy_cityscapes
#   python tools/train.py \
#       configs/deeplabv3plus/deeplabv3plus_pplcnet-x0.5-d8_1xb4-toy_cityscapes-128x256.py
# Measured on the 16 val images after 200 iterations: 82.2 / 83.8 / 86.3
# mIoU with randomness.seed 0 / 1 / 2 (docs/deeplabv3plus.md).
# From scratch and for 200 steps: AdamW at lr 0.01 (0.005 and 0.002 gave
# 81.6 / 74.5 and 54.8 / 64.8 with seeds 0 / 1).
_base_ = [
    '../_base_/models/deeplabv3plus_pplcnet-d8.py',
    '../_base_/datasets/toy_cityscapes.py',
    '../_base_/default_runtime_mmseg.py',
    '../_base_/schedules/schedule_80k_paddleseg.py',
]
crop_size = (128, 256)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(scale=0.5),
    decode_head=dict(in_channels=256, c1_in_channels=32),
    auxiliary_head=dict(in_channels=128))
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=0.01, weight_decay=1e-4),
    paramwise_cfg=dict(norm_decay_mult=0.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.2, by_epoch=False, begin=0, end=10),
    dict(
        type='PolyLR',
        eta_min=1e-5,
        power=0.9,
        begin=10,
        end=200,
        by_epoch=False),
]
train_cfg = dict(max_iters=200, val_interval=100)
default_hooks = dict(
    logger=dict(interval=10), checkpoint=dict(interval=100, max_keep_ckpts=2))
auto_scale_lr = dict(base_batch_size=4)
env_cfg = dict(cudnn_benchmark=False)
randomness = dict(seed=0)
