# PP-PicoDet XS on the generated 3-class toy set: the whole mmdet loop
# (train with both assignment phases, EMA, checkpoint, resume, COCO eval)
# on a CPU in a few minutes.
#   python tools/misc/make_toy_data.py coco data/toy_coco
#   python tools/train.py configs/picodet/picodet-xs_lcnet_1xb8-24e_toy-coco-192.py
_base_ = ['./picodet-xs_lcnet_320_coco.py']

data_root = 'data/toy_coco/'
metainfo = dict(
    classes=('red_disc', 'green_square', 'blue_triangle'),
    palette=[(220, 40, 40), (40, 200, 60), (40, 80, 230)])
model = dict(
    data_preprocessor=dict(batch_augments=[
        dict(type='PicoBatchRandomResize', sizes=[160, 192, 224])
    ]),
    bbox_head=dict(num_classes=3),
    # ATSS for the first 12 epochs, then task-aligned assignment
    train_cfg=dict(static_assigner_epoch=12))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PaddleRandomDistort'),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='Resize',
        scale=(192, 192),
        keep_ratio=False,
        interpolation='bicubic'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor')),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/train.json',
        data_prefix=dict(img='train/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/val.json',
        data_prefix=dict(img='val/'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator

# 12 iterations per epoch; lr for a batch of 8 raised from Paddle's 0.01
# (0.00125 x 8) so that a few hundred steps suffice
optim_wrapper = dict(optimizer=dict(lr=0.06))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(
        type='CosineAnnealingLR',
        T_max=24,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=24,
        convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=24, val_interval=12)
default_hooks = dict(
    logger=dict(interval=12),
    checkpoint=dict(interval=12, max_keep_ckpts=2),
    visualization=dict(draw=False))
custom_hooks = [
    dict(
        type='EMAHook',
        ema_type='PaddleEMA',
        decay=0.9998,
        update_buffers=True,
        priority=49)
]
auto_scale_lr = dict(base_batch_size=8)
randomness = dict(seed=0)
