# PP-PicoDet S (PaddleDetection picodet_s_416_coco_lcnet): LCNet x0.75
# (C3 / C4 / C5 = 96 / 192 / 384), LCPAN + PicoHeadV2 with 96 channels and
# 2 tower blocks, 4 levels (strides 8, 16, 32, 64), 80 classes.
# Settings of configs/picodet/_base_/picodet_v2.yml: ATSS (topk 9, priors
# of 5 x stride) for the first 100 epochs, then task-aligned assignment
# (topk 13, alpha 1, beta 6); varifocal loss on probabilities (weight 1),
# GIoU 2.5, DFL 0.5 (reg_max 7); score threshold 0.025, NMS 0.6, top 1000
# per class, keep 100.
model = dict(
    type='SingleStageDetector',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        # ImageNet mean / std on RGB (Paddle: NormalizeImage, is_scale)
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32,
        # Paddle's BatchRandomResize of the 416 reader
        batch_augments=[
            dict(
                type='PicoBatchRandomResize', sizes=[352, 384, 416, 448, 480])
        ]),
    backbone=dict(
        type='PPLCNet',
        scale=0.75,
        out_indices=(2, 3, 4),
        # No download by default. To start from PaddleClas' ImageNet
        # weights (as PaddleDetection does), convert them first:
        #   python tools/model_converters/pplcnet_to_mmpretrain.py paddle \
        #       x0.75 checkpoints/pplcnet-x0.75_backbone.pth --backbone-only
        # and set
        #   init_cfg=dict(type='Pretrained',
        #                 checkpoint='checkpoints/pplcnet-x0.75_backbone.pth',
        #                 prefix='backbone.')
        init_cfg=None),
    neck=dict(
        type='LCPAN',
        in_channels=[96, 192, 384],
        out_channels=96,
        kernel_size=5,
        num_features=4),
    bbox_head=dict(
        type='PicoHeadV2',
        num_classes=80,
        in_channels=96,
        num_convs=2,
        strides=(8, 16, 32, 64),
        reg_max=7,
        prior_prob=0.01,
        cell_offset=0.5,
        grid_cell_scale=5.0,
        use_align_head=True,
        loss_cls=dict(
            type='ProbVarifocalLoss',
            use_sigmoid=False,
            alpha=0.75,
            gamma=2.0,
            iou_weighted=True,
            loss_weight=1.0),
        loss_bbox=dict(type='GIoULoss', loss_weight=2.5),
        loss_dfl=dict(type='DistributionFocalLoss', loss_weight=0.5)),
    train_cfg=dict(
        static_assigner_epoch=100,
        static_assigner=dict(type='PaddleATSSAssigner', topk=9),
        assigner=dict(
            type='PaddleTaskAlignedAssigner', topk=13, alpha=1.0, beta=6.0)),
    test_cfg=dict(
        score_thr=0.025,
        nms_pre=1000,
        nms=dict(type='nms', iou_threshold=0.6),
        max_per_img=100))
