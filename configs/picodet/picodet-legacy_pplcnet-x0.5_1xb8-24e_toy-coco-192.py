# Legacy PP-PicoDet (CSP-PAN + PicoHead + SimOTA) at a toy size on the
# generated 3-class set: PP-LCNet x0.5, CSP-PAN and head of 64 channels,
# towers of 2 blocks (the published models: x1.0 / x1.5, 128 channels, 4
# blocks). Data, schedule (24 epochs of 12 iterations, batch 8, lr 0.06),
# EMA and hooks are those of picodet-xs_lcnet_1xb8-24e_toy-coco-192.py.
# 442,812 params, 0.061 G MACs at 192 (tools/analysis/get_flops.py).
# Measured here (1 thread, seed 0, 0.26 s per iteration, 86-97 s in all):
# bbox mAP 0.238 after 12 epochs, 0.571 (mAP50 0.845) after 24 on the 24
# validation images (PicoDet-XS, same schedule: 0.45 / 0.69). The tests
# train 4 epochs (loss 2.93 -> 2.54, mAP 0.005) and run tools/test.py.
#   python tools/misc/make_toy_data.py coco data/toy_coco
#   python tools/train.py configs/picodet/picodet-legacy_pplcnet-x0.5_1xb8-24e_toy-coco-192.py
_base_ = ['./picodet-xs_lcnet_1xb8-24e_toy-coco-192.py']

channels = 64
model = dict(
    backbone=dict(scale=0.5),
    neck=dict(
        _delete_=True,
        type='CSPPAN',
        in_channels=[64, 128, 256],
        out_channels=channels,
        kernel_size=5,
        num_features=4,
        num_csp_blocks=1,
        use_depthwise=True),
    # Paddle's losses (VFL, GIoU 2.0, DFL 0.25) are PicoHead's defaults
    bbox_head=dict(
        _delete_=True,
        type='PicoHead',
        num_classes=3,
        in_channels=channels,
        num_convs=2,
        strides=(8, 16, 32, 64)),
    train_cfg=dict(
        _delete_=True,
        assigner=dict(
            type='PaddleSimOTAAssigner',
            center_radius=2.5,
            candidate_topk=10,
            iou_weight=6.0)))
# weight decay as the legacy recipe: every parameter of CSP-PAN, no BN
# elsewhere
optim_wrapper = dict(
    paramwise_cfg=dict(
        _delete_=True,
        norm_decay_mult=0.0,
        custom_keys={'neck': dict(decay_mult=1.0)}))
