# PaddleClas PPLCNetV2_base.yaml: PP-LCNet's schedule (SGD momentum 0.9,
# cosine lr 0.8, 5 linear warm-up epochs, no decay on BN: the BN layers of
# pp_lcnet_v2.py set L2Decay(0.0)) for 480 epochs with L2 weight decay
# 4e-5.
# The global batch is ours (2048, as for PP-LCNet): PaddleClas trains with
# a MultiScaleSampler (160-320 px, 500 images per GPU at 160 px, fewer at
# larger sizes, GPU count unpublished), which is not ported; we train at
# 224 px (train_dataloader of imagenet_bs512_pplcnet.py). --auto-scale-lr
# scales the lr to your batch.
_base_ = ['./imagenet_bs2048_pplcnet_360e.py']
optim_wrapper = dict(optimizer=dict(weight_decay=4e-5))
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
train_cfg = dict(max_epochs=480)
