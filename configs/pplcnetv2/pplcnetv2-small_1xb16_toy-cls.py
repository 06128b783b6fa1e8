# PP-LCNetV2 small on the generated 4-class toy set: the PP-LCNet toy run
# (configs/pplcnet/pplcnet-x0.5_1xb16_toy-cls.py: 48 AdamW steps, train,
# checkpoint, resume, test on a CPU) with the V2 backbone in training form
# (unfolded depthwise branches) and its ReLU head.
#   python tools/misc/make_toy_data.py cls data/toy_cls
#   python tools/train.py configs/pplcnetv2/pplcnetv2-small_1xb16_toy-cls.py
_base_ = ['../pplcnet/pplcnet-x0.5_1xb16_toy-cls.py']
model = dict(
    backbone=dict(
        _delete_=True,
        type='PPLCNetV2',
        arch='small',
        out_indices=(4, ),
        # as for PP-LCNet: BN statistics must follow a few dozen steps
        norm_cfg=dict(type='BN', momentum=0.3)),
    head=dict(in_channels=768, act_cfg=dict(type='ReLU')))
