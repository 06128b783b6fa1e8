# PP-PicoDet S, 416 x 416 (PaddleDetection picodet_s_416_coco_lcnet: 32.5 /
# 47.6 mAP on COCO val2017, 1.18M parameters, 1.65 GFLOPs).
# Recipe: 300 epochs, 4 GPUs x 48 images, lr 0.24 (= 0.00125 x 192),
# SGD + 300-iteration warm-up + cosine, EMA; ATSS for the first 100 epochs.
# Weights: tools/model_converters/picodet_to_mmdet.py converts Paddle's
# picodet_s_416_coco_lcnet.pdparams for this config.
_base_ = [
    '../_base_/models/picodet-s_lcnet.py',
    '../_base_/datasets/coco_detection_picodet.py',
    '../_base_/schedules/picodet_sgd_cosine_300e.py',
    '../_base_/default_runtime_mmdet.py',
]
train_dataloader = dict(batch_size=48)
optim_wrapper = dict(optimizer=dict(lr=0.24))
# --auto-scale-lr rescales lr 0.24 from 192 images per step (4 x 48)
auto_scale_lr = dict(base_batch_size=192)
