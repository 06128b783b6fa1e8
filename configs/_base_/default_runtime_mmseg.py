# mmseg runtime (as mmseg's default_runtime.py) + mm_pplcnet. The hooks
# depend on the schedule: they are in configs/_base_/schedules/.
default_scope = 'mmseg'
custom_imports = dict(imports=['mm_pplcnet'], allow_failed_imports=False)
# mm_pplcnet's Runner: strict loading, clear errors for damaged
# checkpoints, SyncBN on CPU, the batch-1 check (mm_pplcnet/engine)
runner_type = 'PPLCNetRunner'
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # nccl on GPUs; tools/train.py switches to gloo on a CPU-only machine
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
tta_model = dict(type='SegTTAModel')
