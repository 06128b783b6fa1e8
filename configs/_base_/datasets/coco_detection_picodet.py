# COCO 2017 in mmdet's layout (data/coco/{train2017,val2017,annotations})
# with PaddleDetection's PicoDet reader (configs/picodet/_base_/
# picodet_416_reader.yml):
# - train, per image: SSD-style IoU random crop (RandomCrop), flip 0.5,
#   random photometric distortion (RandomDistort); per batch: one random
#   square size, every image stretched to it with a random interpolation
#   (BatchRandomResize, keep_ratio False) -> PicoBatchRandomResize in
#   model.data_preprocessor.batch_augments (sizes set by the model config);
#   images without gts are skipped, crowd boxes take no part;
# - eval: stretch to the square input size (bicubic), pad to a multiple of
#   32 (done by the data preprocessor).
# ImageNet mean / std on RGB: model.data_preprocessor.
dataset_type = 'CocoDataset'
data_root = 'data/coco/'
backend_args = None
# eval / test input size (320, 416 or 640): the model configs override the
# Resize of test_pipeline
img_scale = (416, 416)

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PaddleRandomCrop'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PaddleRandomDistort'),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(
        type='Resize',
        scale=img_scale,
        keep_ratio=False,
        interpolation='bicubic'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor')),
]
train_dataloader = dict(
    batch_size=64,
    num_workers=6,
    persistent_workers=True,
    # plain shuffled batches; Paddle drops the last incomplete one
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img='train2017/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=0),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img='val2017/'),
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='CocoMetric',
    ann_file=data_root + 'annotations/instances_val2017.json',
    metric='bbox',
    format_only=False,
    backend_args=backend_args)
test_evaluator = val_evaluator
