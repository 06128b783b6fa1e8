# PP-PicoDet M, 416 x 416 (PaddleDetection picodet_m_416_coco_lcnet: 37.5 /
# 53.4 mAP on COCO val2017, 3.46M parameters, 4.34 GFLOPs): LCNet x1.5
# (C3 / C4 / C5 = 192 / 384 / 768), 128 channels, 4 tower blocks.
# Recipe: 250 epochs of the 300-epoch cosine, 4 GPUs x 48 images, lr 0.24
# (= 0.00125 x 192).
# Backbone weights: pplcnet_to_mmpretrain.py paddle x1.5 ... --backbone-only
_base_ = './picodet-s_lcnet_416_coco.py'
model = dict(
    backbone=dict(scale=1.5),
    neck=dict(in_channels=[192, 384, 768], out_channels=128),
    bbox_head=dict(in_channels=128, num_convs=4))
train_cfg = dict(max_epochs=250)
