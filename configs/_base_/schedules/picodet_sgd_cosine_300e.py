# PaddleDetection configs/picodet/_base_/optimizer_300e.yml: SGD momentum
# 0.9, L2 weight decay 4e-5, linear warm-up over 300 iterations from
# 0.1 x lr, then cosine to 0 over 300 epochs (the 250- and 200-epoch recipes
# stop early on the same curve: keep T_max=300 and lower max_epochs).
# lr = 0.00125 x total batch (0.32 for 4 GPUs x 64); set it per config.
#
# Weight decay exactly where Paddle applies it: not on the BN of the
# backbone, of the LCNet blocks of the neck and of the head towers / ESE
# (norm_decay_mult=0, Paddle's L2Decay(0.)), but on the BN of the neck's
# 1x1 channel transforms and stride-2 modules and of the head's alignment
# branch (plain Paddle BatchNorm2D, so the global 4e-5 applies).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.32, momentum=0.9, weight_decay=4e-5),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        custom_keys={
            'neck.conv_t': dict(decay_mult=1.0),
            'neck.downsamples': dict(decay_mult=1.0),
            'neck.first_top_conv': dict(decay_mult=1.0),
            'neck.second_top_conv': dict(decay_mult=1.0),
            'bbox_head.cls_align': dict(decay_mult=1.0),
        }))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=300),
    dict(
        type='CosineAnnealingLR',
        T_max=300,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=300,
        convert_to_iter_based=True),
]
# Paddle evaluates and snapshots every 10 epochs
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=300, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# Paddle's EMA (decay 0.9998, 'threshold' warm-up, zero start, bias
# correction); evaluation and checkpoints use the averaged weights
custom_hooks = [
    dict(
        type='EMAHook',
        ema_type='PaddleEMA',
        decay=0.9998,
        update_buffers=True,
        priority=49)
]
# lr is for 256 images per step (4 GPUs x 64); with another total batch
# pass --auto-scale-lr to tools/train.py (lr x your batch / base batch)
auto_scale_lr = dict(enable=False, base_batch_size=256)
