# PP-LCNet x0.5 on the generated 4-class toy set: a CPU smoke run of the
# whole mmpretrain loop (train, checkpoint, resume, test) in about 30 s.
# Measured: top-1 67-73 % on the 64 val images after 48 iterations
# (chance 25 %).
#   python tools/misc/make_toy_data.py cls data/toy_cls
#   python tools/train.py configs/pplcnet/pplcnet-x0.5_1xb16_toy-cls.py
_base_ = [
    '../_base_/models/pplcnet-x1.0.py',
    '../_base_/datasets/toy_cls.py',
    '../_base_/default_runtime_mmpretrain.py',
]
model = dict(
    # a few dozen steps move the weights faster than BN's running statistics
    # follow at the default momentum 0.1; evaluation would see stale ones
    backbone=dict(scale=0.5, norm_cfg=dict(type='BN', momentum=0.3)),
    head=dict(
        in_channels=256,
        num_classes=4,
        loss=dict(_delete_=True, type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, )))
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=0.005, weight_decay=1e-4),
    paramwise_cfg=dict(norm_decay_mult=0.0),
)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.2, by_epoch=False, begin=0, end=5),
]
train_cfg = dict(by_epoch=False, max_iters=48, val_interval=24)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=2),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=24, max_keep_ckpts=2))
log_processor = dict(by_epoch=False)
train_dataloader = dict(sampler=dict(type='InfiniteSampler', shuffle=True))
randomness = dict(seed=0)
