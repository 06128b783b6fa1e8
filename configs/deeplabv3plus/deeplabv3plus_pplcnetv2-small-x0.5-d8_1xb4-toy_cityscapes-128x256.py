# DeepLabV3+ on PP-LCNetV2 (the small table at scale 0.5, output stride 8,
# from scratch) on the generated toy street scenes: the PP-LCNet toy run
# (deeplabv3plus_pplcnet-x0.5-d8_1xb4-toy_cityscapes-128x256.py: 200 AdamW
# steps, same head, data and schedule) with the V2 backbone in training
# form. Scale 0.5 keeps the run short (3 min of CPU time on one thread).
# Measured on the 16 val images with randomness.seed 0: 67.4 mIoU after
# 100 and 87.1 after 200 iterations (the PP-LCNet toy test's bar is 70).
# Channels: c1 (stride 4) 64, aux (stages.2) 256, ASPP input 512.
#   python tools/misc/make_toy_data.py cityscapes data/toy_cityscapes
#   python tools/train.py \
#       configs/deeplabv3plus/deeplabv3plus_pplcnetv2-small-x0.5-d8_1xb4-toy_cityscapes-128x256.py
_base_ = ['./deeplabv3plus_pplcnet-x0.5-d8_1xb4-toy_cityscapes-128x256.py']
model = dict(
    backbone=dict(type='PPLCNetV2', arch='small', scale=0.5),
    decode_head=dict(in_channels=512, c1_in_channels=64),
    auxiliary_head=dict(in_channels=256))
