# PaddleClas PPLCNet_x1_0.yaml: 360 epochs, SGD momentum 0.9, cosine lr
# 0.8 for a global batch of 2048 (4 GPUs x 512), 5 linear warm-up epochs,
# L2 weight decay 3e-5 except on BN.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.8, momentum=0.9, weight_decay=3e-5),
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
        T_max=355,
        eta_min=0.0,
        by_epoch=True,
        begin=5,
        end=360),
]
train_cfg = dict(by_epoch=True, max_epochs=360, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# lr 0.8 is for 2048 images per step. To train with another total batch
# (GPUs x samples per GPU), pass --auto-scale-lr to tools/train.py: the lr
# is then multiplied by (your batch / 2048).
auto_scale_lr = dict(base_batch_size=2048)
