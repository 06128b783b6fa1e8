# Legacy PP-PicoDet (CSP-PAN + PicoHead + SimOTA) on PP-LCNet x1.0, 416,
# PaddleDetection configs/picodet/legacy_model/more_config/
# picodet_lcnet_1_0x_416_coco.yml: 300 epochs, 4 GPUs x 80 images, lr 0.4
# (--auto-scale-lr rescales it to your total batch), EMA.
# Paddle's weights (a .pdparams of this model) convert with
#   python tools/model_converters/picodet_to_mmdet.py MODEL.pdparams \
#       checkpoints/picodet-legacy_lcnet-x1.0_416.pth --config THIS_CONFIG
_base_ = [
    '../_base_/models/picodet-legacy_lcnet.py',
    '../_base_/datasets/coco_detection_picodet.py',
    '../_base_/schedules/picodet-legacy_sgd_cosine_300e.py',
    '../_base_/default_runtime_mmdet.py',
]
train_dataloader = dict(batch_size=80)
