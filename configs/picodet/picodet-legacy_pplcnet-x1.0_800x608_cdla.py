# Document layout analysis on CDLA (Chinese document layout, 10 classes):
# legacy PP-PicoDet on PP-LCNet x1.0 at 800 x 608 (H x W). PaddleDetection
# configs/picodet/legacy_model/application/layout_analysis/
# picodet_lcnet_cdla_layout.yml (PP-Structure's
# picodet_lcnet_x1_0_fgd_layout_cdla): 150 epochs, 12 images per GPU,
# lr 0.4.
#
# Data (COCO format): data/cdla/{train,val}/*.jpg and data/cdla/
# {train,val}.json with the categories below (CDLA's 10, in PaddleOCR's
# label order). PaddleDetection's yml says num_classes: 11; the published
# CDLA weights decide: the converter reads the number of classes from them
# and names a mismatch with this config (then set
# model.bbox_head.num_classes and the class names to match).
_base_ = './picodet-legacy_pplcnet-x1.0_800x608_publaynet.py'
data_root = 'data/cdla/'
metainfo = dict(
    classes=('text', 'title', 'figure', 'figure_caption', 'table',
             'table_caption', 'header', 'footer', 'reference', 'equation'),
    palette=[(46, 134, 222), (231, 76, 60), (142, 68, 173), (155, 89, 182),
             (243, 156, 18), (230, 126, 34), (39, 174, 96), (22, 160, 133),
             (127, 140, 141), (241, 196, 15)])
model = dict(bbox_head=dict(num_classes=10))
# same folder layout and file names as PubLayNet's, under data/cdla/
train_dataloader = dict(
    batch_size=12, dataset=dict(data_root=data_root, metainfo=metainfo))
val_dataloader = dict(
    batch_size=4, dataset=dict(data_root=data_root, metainfo=metainfo))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'val.json')
test_evaluator = val_evaluator
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=300),
    dict(
        type='CosineAnnealingLR',
        T_max=150,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=150,
        convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=150)
auto_scale_lr = dict(base_batch_size=48)
