# PP-PicoDet XS, 320 x 320 (PaddleDetection picodet_xs_320_coco_lcnet: 23.5
# / 36.1 mAP on COCO val2017, 0.70M parameters, 0.67 GFLOPs).
# Recipe: 300 epochs, 4 GPUs x 64 images, lr 0.32 (= 0.00125 x 256);
# training sizes 256..384, evaluation at 320.
_base_ = ['./picodet-s_lcnet_320_coco.py']
model = dict(backbone=dict(scale=0.35), neck=dict(in_channels=[48, 88, 176]))
