# PP-PicoDet with a PP-LCNetV2 base backbone, 640 x 640 on COCO, as
# PaddleDetection's picodet_lcnetv2_base_640_mainbody (PP-ShiTuV2's
# main-body detector) puts V2 base into PicoDet. That file is not in the
# paddledet 2.6.0 package nor anywhere we could read, so this config is
# ours in its composition:
# - follows Paddle: everything but the backbone is PaddleDetection's
#   PicoDet-L 640 recipe (picodet_l_640_coco_lcnet: LCPAN with 160
#   channels, PicoHeadV2 with 4 tower blocks, ATSS then task-aligned
#   assignment, VFL / GIoU / DFL, 576..704 batch resize, 4 GPUs x 12, lr
#   0.06, 200 epochs of the 300-epoch cosine, EMA); its LCNet x2.0 gives
#   C3 / C4 / C5 = 256 / 512 / 1024 channels, and so does PP-LCNetV2 base
#   (stages 1-3), so the neck is unchanged.
# - ours: the backbone (PPLCNetV2 base, out_indices 2-4, i.e.
#   stages.1..stages.3 at strides 8, 16, 32), kept in training form; the
#   benchmark and the ONNX export fold its branches (switch_to_deploy).
# Backbone weights: PaddleClas' ImageNet V2 base, converted with
#   python tools/model_converters/pplcnetv2_to_mmpretrain.py paddle base \
#       checkpoints/pplcnetv2-base_backbone.pth --backbone-only [--ssld]
# then set model.backbone.init_cfg=dict(type='Pretrained',
#   checkpoint='checkpoints/pplcnetv2-base_backbone.pth', prefix='backbone.')
_base_ = './picodet-l_lcnet_640_coco.py'
model = dict(
    backbone=dict(
        _delete_=True,
        type='PPLCNetV2',
        arch='base',
        out_indices=(2, 3, 4),
        init_cfg=None),
    neck=dict(in_channels=[256, 512, 1024]))
