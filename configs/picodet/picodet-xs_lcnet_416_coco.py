# PP-PicoDet XS, 416 x 416 (PaddleDetection picodet_xs_416_coco_lcnet: 26.2
# / 39.3 mAP on COCO val2017, 0.70M parameters, 1.13 GFLOPs): LCNet x0.35
# (C3 / C4 / C5 = 48 / 88 / 176), 96 channels, 2 tower blocks.
# Recipe: 300 epochs, 4 GPUs x 56 images, lr 0.28 (= 0.00125 x 224).
# Backbone weights: pplcnet_to_mmpretrain.py paddle x0.35 ... --backbone-only
_base_ = './picodet-s_lcnet_416_coco.py'
model = dict(backbone=dict(scale=0.35), neck=dict(in_channels=[48, 88, 176]))
train_dataloader = dict(batch_size=56)
optim_wrapper = dict(optimizer=dict(lr=0.28))
auto_scale_lr = dict(base_batch_size=224)
