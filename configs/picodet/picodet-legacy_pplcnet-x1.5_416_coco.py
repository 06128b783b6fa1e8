# Legacy PP-PicoDet on PP-LCNet x1.5, 416 (PaddleDetection legacy_model/
# more_config/picodet_lcnet_1_5x_416_coco.yml; published 36.3 mAP / 52.2
# mAP50 on COCO val2017, 3.10M parameters, 3.85 GFLOPs). Same recipe as
# x1.0: 300 epochs, 4 GPUs x 80 images, lr 0.4, EMA.
# Weights: https://paddledet.bj.bcebos.com/models/picodet_lcnet_1_5x_416_coco.pdparams
#   python tools/model_converters/picodet_to_mmdet.py \
#       picodet_lcnet_1_5x_416_coco.pdparams \
#       checkpoints/picodet-legacy_lcnet-x1.5_416.pth --config THIS_CONFIG
_base_ = './picodet-legacy_pplcnet-x1.0_416_coco.py'
model = dict(backbone=dict(scale=1.5), neck=dict(in_channels=[192, 384, 768]))
