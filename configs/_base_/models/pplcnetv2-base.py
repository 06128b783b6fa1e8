# PP-LCNetV2 base ImageNet classifier (PaddleClas PPLCNetV2_base): the
# backbone's last stage (1024 channels), then PaddleClas' head as for
# PP-LCNet (pool, 1x1 conv to 1280 without bias, dropout 0.2, linear,
# label smoothing 0.1) with ReLU instead of hardswish.
_base_ = ['./pplcnet-x1.0.py']
model = dict(
    backbone=dict(
        _delete_=True, type='PPLCNetV2', arch='base', out_indices=(4, )),
    head=dict(in_channels=1024, act_cfg=dict(type='ReLU')))
