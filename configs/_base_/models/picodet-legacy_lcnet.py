# Legacy PP-PicoDet (2021: CSP-PAN + PicoHead + SimOTA) on PP-LCNet x1.0
# (C3 / C4 / C5 = 128 / 256 / 512), as PaddleDetection's
# configs/picodet/legacy_model/_base_/picodet_esnet.yml with the LCNet
# backbone of more_config/picodet_lcnet_1_0x_416_coco.yml: CSP-PAN with 128
# channels (1x1 channel transform, CSP blocks of depthwise 5x5 convs,
# num_csp_blocks 1, stride-2 depthwise downsampling, extra P6 level), 4
# levels (strides 8, 16, 32, 64), PicoHead with one tower of 4 blocks per
# level and one 1x1 conv predicting 80 classes + 4 x 8 distribution bins
# (share_cls_reg, reg_max 7, cell offset 0.5), 80 classes.
# Training: SimOTA (candidate_topk 10, iou_weight 6, centre radius 2.5),
# varifocal loss (sigmoid, IoU weighted, weight 1), GIoU 2.0, DFL 0.25.
# Test: score threshold 0.025, NMS 0.6, top 1000 per class, keep 100.
# The data preprocessor (ImageNet mean / std, pad to 32, per-batch random
# size 352..480 of the legacy 416 reader) and the test settings are the
# current PicoDet's: this file replaces its backbone scale, neck, head and
# training targets.
_base_ = './picodet-s_lcnet.py'
model = dict(
    backbone=dict(
        scale=1.0,
        # No download by default. To start from PaddleClas' ImageNet
        # weights (as PaddleDetection does), convert them first:
        #   python tools/model_converters/pplcnet_to_mmpretrain.py paddle \
        #       x1.0 checkpoints/pplcnet-x1.0_backbone.pth --backbone-only
        # and set
        #   init_cfg=dict(type='Pretrained',
        #                 checkpoint='checkpoints/pplcnet-x1.0_backbone.pth',
        #                 prefix='backbone.')
        init_cfg=None),
    neck=dict(
        _delete_=True,
        type='CSPPAN',
        in_channels=[128, 256, 512],
        out_channels=128,
        kernel_size=5,
        num_features=4,
        num_csp_blocks=1,
        use_depthwise=True),
    bbox_head=dict(
        _delete_=True,
        type='PicoHead',
        num_classes=80,
        in_channels=128,
        num_convs=4,
        strides=(8, 16, 32, 64),
        reg_max=7,
        prior_prob=0.01,
        cell_offset=0.5,
        loss_cls=dict(
            type='ProbVarifocalLoss',
            use_sigmoid=False,
            alpha=0.75,
            gamma=2.0,
            iou_weighted=True,
            loss_weight=1.0),
        loss_bbox=dict(type='GIoULoss', loss_weight=2.0),
        loss_dfl=dict(type='DistributionFocalLoss', loss_weight=0.25)),
    train_cfg=dict(
        _delete_=True,
        assigner=dict(
            type='PaddleSimOTAAssigner',
            center_radius=2.5,
            candidate_topk=10,
            iou_weight=6.0)))
