# PP-PicoDet L, 416 x 416 (PaddleDetection picodet_l_416_coco_lcnet: 39.4 /
# 55.7 mAP on COCO val2017, 5.80M parameters, 7.10 GFLOPs): LCNet x2.0
# (C3 / C4 / C5 = 256 / 512 / 1024), 160 channels, 4 tower blocks.
# Recipe: 250 epochs of the 300-epoch cosine, 4 GPUs x 24 images, lr 0.12
# (= 0.00125 x 96).
# Backbone weights: pplcnet_to_mmpretrain.py paddle x2.0 ... --backbone-only
_base_ = './picodet-s_lcnet_416_coco.py'
model = dict(
    backbone=dict(scale=2.0),
    neck=dict(in_channels=[256, 512, 1024], out_channels=160),
    bbox_head=dict(in_channels=160, num_convs=4))
train_cfg = dict(max_epochs=250)
train_dataloader = dict(batch_size=24)
optim_wrapper = dict(optimizer=dict(lr=0.12))
auto_scale_lr = dict(base_batch_size=96)
