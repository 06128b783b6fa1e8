# PP-LCNet x1.0 ImageNet classifier (PaddleClas PPLCNet_x1_0)
model = dict(
    type='ImageClassifier',
    backbone=dict(type='PPLCNet', scale=1.0, out_indices=(4, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='PPLCNetClsHead',
        num_classes=1000,
        in_channels=512,
        mid_channels=1280,
        dropout=0.2,
        # PaddleClas CELoss(epsilon=0.1)
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        topk=(1, 5)))
