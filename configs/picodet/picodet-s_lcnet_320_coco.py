# PP-PicoDet S, 320 x 320 (PaddleDetection picodet_s_320_coco_lcnet: 29.1 /
# 43.4 mAP on COCO val2017, 1.18M parameters, 0.97 GFLOPs).
# Recipe: 300 epochs, 4 GPUs x 64 images, lr 0.32 (= 0.00125 x 256);
# training sizes 256..384 (step 32), evaluation at 320.
_base_ = './picodet-s_lcnet_416_coco.py'
model = dict(
    data_preprocessor=dict(batch_augments=[
        dict(type='PicoBatchRandomResize', sizes=[256, 288, 320, 352, 384])
    ]))
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(
        type='Resize',
        scale=(320, 320),
        keep_ratio=False,
        interpolation='bicubic'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor')),
]
train_dataloader = dict(batch_size=64)
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=0.32))
auto_scale_lr = dict(base_batch_size=256)
