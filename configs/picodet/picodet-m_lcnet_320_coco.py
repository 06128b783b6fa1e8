# PP-PicoDet M, 320 x 320 (PaddleDetection picodet_m_320_coco_lcnet: 34.4 /
# 50.0 mAP on COCO val2017, 3.46M parameters, 2.57 GFLOPs).
# Recipe: 300 epochs, 4 GPUs x 48 images, lr 0.24 (= 0.00125 x 192);
# training sizes 256..384, evaluation at 320.
_base_ = './picodet-s_lcnet_320_coco.py'
model = dict(
    backbone=dict(scale=1.5),
    neck=dict(in_channels=[192, 384, 768], out_channels=128),
    bbox_head=dict(in_channels=128, num_convs=4))
train_dataloader = dict(batch_size=48)
optim_wrapper = dict(optimizer=dict(lr=0.24))
auto_scale_lr = dict(base_batch_size=192)
