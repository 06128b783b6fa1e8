# PP-LCNetV2 large (scale 1.25, 8 blocks in stage 3) on ImageNet-1k,
# PaddleClas recipe (PPLCNetV2_large.yaml: as base with half the batch,
# 250 images per GPU at 160 px, and half the lr, 0.4). Ours: 4 GPUs x 256
# at 224 px (see the schedule file). PaddleClas PPLCNetV2_large: top-1
# 78.51. Converted weights:
#   python tools/model_converters/pplcnetv2_to_mmpretrain.py paddle \
#       https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/legendary_models/PPLCNetV2_large_pretrained.pdparams \
#       checkpoints/pplcnetv2-large_paddle_in1k.pth
_base_ = './pplcnetv2-base_4xb512_in1k.py'
model = dict(backbone=dict(arch='large'), head=dict(in_channels=1280))
train_dataloader = dict(batch_size=256)
optim_wrapper = dict(optimizer=dict(lr=0.4))
auto_scale_lr = dict(base_batch_size=1024)
