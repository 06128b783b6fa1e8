# Document layout analysis: legacy PP-PicoDet on PP-LCNet x1.0 at 800 x 608
# (H x W), PubLayNet's 5 classes. PaddleDetection configs/picodet/
# legacy_model/application/layout_analysis/picodet_lcnet_x1_0_layout.yml,
# the model of PP-Structure's picodet_lcnet_x1_0_layout /
# picodet_lcnet_x1_0_fgd_layout (93.5 / 94.0 mAP50 on PubLayNet val).
#
# Data (COCO format, as PaddleDetection's layout reader):
#   data/publaynet/train/*.jpg   data/publaynet/train.json
#   data/publaynet/val/*.jpg     data/publaynet/val.json
# with the categories text, title, list, table, figure (PubLayNet's ids 1-5
# in that order; mmdet maps them to labels 0-4 by the class names below).
# CDLA (10 classes): picodet-legacy_pplcnet-x1.0_800x608_cdla.py.
#
# Recipe of the yml: 100 epochs, 24 images per GPU, lr 0.4, warm-up +
# cosine, EMA; train sizes drawn per batch from 768x576 / 800x608 /
# 832x640 (stretched), eval stretched to 800x608 (bicubic).
# Paddle's trained weights convert with
#   python tools/model_converters/picodet_to_mmdet.py \
#       picodet_lcnet_x1_0_fgd_layout.pdparams checkpoints/layout.pth \
#       --config THIS_CONFIG
# and tools/demo/layout_demo.py draws the regions of a page.
_base_ = [
    '../_base_/models/picodet-legacy_lcnet.py',
    '../_base_/datasets/coco_detection_picodet.py',
    '../_base_/schedules/picodet-legacy_sgd_cosine_300e.py',
    '../_base_/default_runtime_mmdet.py',
]
data_root = 'data/publaynet/'
metainfo = dict(
    classes=('text', 'title', 'list', 'table', 'figure'),
    palette=[(46, 134, 222), (231, 76, 60), (39, 174, 96), (243, 156, 18),
             (142, 68, 173)])
num_classes = 5
# (H, W) of Paddle's BatchRandomResize target_size and eval size
train_sizes = [(768, 576), (800, 608), (832, 640)]
eval_hw = (800, 608)

model = dict(
    data_preprocessor=dict(
        batch_augments=[dict(type='PicoBatchRandomResize', sizes=train_sizes)
                        ]),
    bbox_head=dict(num_classes=num_classes))

test_pipeline = [
    dict(type='LoadImageFromFile'),
    # mmdet's scale is (W, H)
    dict(
        type='Resize',
        scale=(eval_hw[1], eval_hw[0]),
        keep_ratio=False,
        interpolation='bicubic'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor')),
]
train_dataloader = dict(
    batch_size=24,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='train.json',
        data_prefix=dict(img='train/')))
val_dataloader = dict(
    batch_size=8,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='val.json',
        data_prefix=dict(img='val/'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'val.json')
test_evaluator = val_evaluator

# 100 epochs: cosine to 0 over 100 epochs (Paddle's optimizer_100e.yml)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=300),
    dict(
        type='CosineAnnealingLR',
        T_max=100,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=100,
        convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=100, val_interval=1)
default_hooks = dict(checkpoint=dict(interval=1, max_keep_ckpts=3))
# lr 0.4 is the yml's for 24 images per GPU; its GPU count is not stated:
# like every PicoDet recipe we take 4 GPUs (96 images) as the base of
# --auto-scale-lr
auto_scale_lr = dict(base_batch_size=96)
