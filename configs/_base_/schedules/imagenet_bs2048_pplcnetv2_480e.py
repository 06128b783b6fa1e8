# PaddleClas PPLCNetV2_base.yaml: 480 epochs, SGD momentum 0.9, cosine lr
# 0.8, 5 linear warm-up epochs, L2 weight decay 4e-5 (applied to every
# parameter, BN too: PaddleClas' global L2 regularizer; the BN layers of
# pp_lcnet_v2.py set L2Decay(0.0) on their own scale and shift, which
# overrides it, hence norm_decay_mult=0).
# The global batch is ours (2048, as for PP-LCNet): PaddleClas trains with
# a MultiScaleSampler (160-320 px, 500 images per GPU at 160 px, fewer at
# larger sizes, GPU count unpublished), which is not ported; we train at
# 224 px (train_dataloader of imagenet_bs512_pplcnet.py).
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.8, momentum=0.9, weight_decay=4e-5),
    paramwise_cfg=dict(norm_decay_mult=0.0),
)
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=5,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=475,
        eta_min=0.0,
        by_epoch=True,
        begin=5,
        end=480),
]
train_cfg = dict(by_epoch=True, max_epochs=480, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# lr 0.8 is for 2048 images per step; --auto-scale-lr scales it to yours
auto_scale_lr = dict(base_batch_size=2048)
