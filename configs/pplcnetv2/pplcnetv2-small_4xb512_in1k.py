# PP-LCNetV2 small (scale 0.75, 4 blocks in stage 3) on ImageNet-1k,
# PaddleClas recipe (PPLCNetV2_small.yaml: as base, L2 decay 2e-5).
# PaddleClas PPLCNetV2_small: top-1 73.97. Converted weights:
#   python tools/model_converters/pplcnetv2_to_mmpretrain.py paddle \
#       https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/legendary_models/PPLCNetV2_small_pretrained.pdparams \
#       checkpoints/pplcnetv2-small_paddle_in1k.pth
_base_ = './pplcnetv2-base_4xb512_in1k.py'
model = dict(backbone=dict(arch='small'), head=dict(in_channels=768))
optim_wrapper = dict(optimizer=dict(weight_decay=2e-5))
