# PP-LCNetV2 base ImageNet classifier (PaddleClas PPLCNetV2_base): the
# backbone's last stage (1024 channels), then PaddleClas' head: pool, 1x1
# conv to 1280 without bias, ReLU, dropout 0.2, linear.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='PPLCNetV2', arch='base', out_indices=(4, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='PPLCNetClsHead',
        num_classes=1000,
        in_channels=1024,
        mid_channels=1280,
        dropout=0.2,
        act_cfg=dict(type='ReLU'),
        # PaddleClas CELoss(epsilon=0.1)
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        topk=(1, 5)))
