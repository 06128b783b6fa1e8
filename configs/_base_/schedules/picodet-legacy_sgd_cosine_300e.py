# PaddleDetection configs/picodet/legacy_model/_base_/optimizer_300e.yml:
# SGD momentum 0.9, L2 weight decay 4e-5, linear warm-up over 300
# iterations from 0.1 x lr, cosine to 0 over 300 epochs; lr 0.4 for the
# legacy reader's 4 GPUs x 80 images (0.00125 x 320).
#
# Weight decay where Paddle applies it: not on the BN of the backbone and
# of the head towers (Paddle's L2Decay(0.)), but on every parameter of
# CSP-PAN (plain Paddle BatchNorm2D there, so the global 4e-5 applies).
_base_ = './picodet_sgd_cosine_300e.py'
optim_wrapper = dict(
    optimizer=dict(lr=0.4),
    paramwise_cfg=dict(
        _delete_=True,
        norm_decay_mult=0.0,
        custom_keys={'neck': dict(decay_mult=1.0)}))
auto_scale_lr = dict(enable=False, base_batch_size=320)
