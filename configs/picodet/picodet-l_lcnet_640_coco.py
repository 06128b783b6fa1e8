# PP-PicoDet L, 640 x 640 (PaddleDetection picodet_l_640_coco_lcnet: 42.6 /
# 59.2 mAP on COCO val2017, 5.80M parameters, 16.81 GFLOPs).
# Recipe: 200 epochs of the 300-epoch cosine, 4 GPUs x 12 images, lr 0.06
# (= 0.00125 x 48); training sizes 576..704 (step 32), evaluation at 640.
_base_ = './picodet-l_lcnet_416_coco.py'
model = dict(
    data_preprocessor=dict(batch_augments=[
        dict(type='PicoBatchRandomResize', sizes=[576, 608, 640, 672, 704])
    ]))
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(
        type='Resize',
        scale=(640, 640),
        keep_ratio=False,
        interpolation='bicubic'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor')),
]
train_cfg = dict(max_epochs=200)
train_dataloader = dict(batch_size=12)
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=0.06))
auto_scale_lr = dict(base_batch_size=48)
