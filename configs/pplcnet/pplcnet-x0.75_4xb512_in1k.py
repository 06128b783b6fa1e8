# PP-LCNet x0.75 on ImageNet-1k, PaddleClas recipe (4 GPUs x 512).
# PaddleClas PPLCNet_x0_75: top-1 68.18, top-5 88.3. Converted weights:
#   python tools/model_converters/pplcnet_to_mmpretrain.py paddle \
#       https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/legendary_models/PPLCNet_x0_75_pretrained.pdparams \
#       checkpoints/pplcnet-x0.75_paddle_in1k.pth
_base_ = [
    '../_base_/models/pplcnet-x1.0.py',
    '../_base_/datasets/imagenet_bs512_pplcnet.py',
    '../_base_/schedules/imagenet_bs2048_pplcnet_360e.py',
    '../_base_/default_runtime_mmpretrain.py',
]

model = dict(backbone=dict(scale=0.75), head=dict(in_channels=384))
