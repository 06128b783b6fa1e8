# The output-stride-16 option of
# deeplabv3plus_pplcnet-x1.0-d8_4xb2-80k_cityscapes-512x1024.py: blocks5
# keeps its stride 2 (1/16), blocks6 keeps stride 1 and dilates by 2; the
# ASPP rates halve to (1, 6, 12, 18) (DeepLabV3+'s rates at output stride
# 16). The ASPP runs on a 4x smaller map: fewer FLOPs, usually a little
# less mIoU. Same weights, batch, lr and converter command as the d8
# config.
_base_ = './deeplabv3plus_pplcnet-x1.0-d8_4xb2-80k_cityscapes-512x1024.py'
model = dict(
    backbone=dict(strides=(1, 2, 2, 2, 1), dilations=(1, 1, 1, 1, 2)),
    decode_head=dict(dilations=(1, 6, 12, 18)))
