# The generated toy street scenes in Cityscapes' layout
# (python tools/misc/make_toy_data.py cityscapes data/toy_cityscapes):
# 256x512 frames, mmseg's CityscapesDataset and Cityscapes pipeline at a
# quarter of the size: random rescale of the frames by 0.5-2.0, 128x256
# crops, flip; whole frames for evaluation. No PhotoMetricDistortion: the
# toy classes are told apart by colour, and its hue shifts make the sky
# look like a car. One process reads the data (num_workers=0): on a CPU
# the network takes the cores.
_base_ = './cityscapes.py'
data_root = 'data/toy_cityscapes'
crop_size = (128, 256)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(512, 256),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(512, 256), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
