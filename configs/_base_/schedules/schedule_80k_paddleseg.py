# 80k iterations, SGD lr 0.01 momentum 0.9, poly decay (power 0.9) for a
# total batch of 8 (4 GPUs x 2 images): mmseg's schedule_80k.py with
# PaddleSeg's weight decay 4e-5 (its Cityscapes recipe,
# configs/_base_/cityscapes.yml) instead of mmseg's 5e-4, which is meant
# for ResNets; light backbones are trained with little decay (PaddleClas
# trains PP-LCNet with 3e-5). The poly decay ends at mmseg's 1e-4.
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=4e-5)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=80000,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=8000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=8000),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
# lr 0.01 is for 8 images per step. With another total batch (GPUs x
# samples per GPU), pass --auto-scale-lr to tools/train.py: the lr is then
# multiplied by (your batch / 8).
auto_scale_lr = dict(enable=False, base_batch_size=8)
