# PP-LCNetV2 base on ImageNet-1k, PaddleClas recipe (PPLCNetV2_base.yaml;
# what is ours: the schedule file's notes). PaddleClas PPLCNetV2_base:
# top-1 77.04 (SSLD 80.07). Converted weights:
#   python tools/model_converters/pplcnetv2_to_mmpretrain.py paddle \
#       https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/legendary_models/PPLCNetV2_base_pretrained.pdparams \
#       checkpoints/pplcnetv2-base_paddle_in1k.pth
# For inference / export fold the depthwise branches:
# model.backbone.switch_to_deploy() (tools/benchmark.py and the ONNX
# export do it).
_base_ = [
    '../_base_/models/pplcnetv2-base.py',
    '../_base_/datasets/imagenet_bs512_pplcnet.py',
    '../_base_/schedules/imagenet_bs2048_pplcnetv2_480e.py',
    '../_base_/default_runtime_mmpretrain.py',
]
