# PP-PicoDet L, 320 x 320 (PaddleDetection picodet_l_320_coco_lcnet: 36.1 /
# 52.0 mAP on COCO val2017, 5.80M parameters, 4.20 GFLOPs).
# Recipe: 250 epochs of the 300-epoch cosine, 4 GPUs x 24 images, lr 0.12
# (= 0.00125 x 96); training sizes 256..384, evaluation at 320.
_base_ = './picodet-s_lcnet_320_coco.py'
model = dict(
    backbone=dict(scale=2.0),
    neck=dict(in_channels=[256, 512, 1024], out_channels=160),
    bbox_head=dict(in_channels=160, num_convs=4))
train_cfg = dict(max_epochs=250)
train_dataloader = dict(batch_size=24)
optim_wrapper = dict(optimizer=dict(lr=0.12))
auto_scale_lr = dict(base_batch_size=96)
