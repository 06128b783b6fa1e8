# mmpretrain runtime (as mmpretrain's default_runtime.py) + mm_pplcnet
default_scope = 'mmpretrain'
custom_imports = dict(
    imports=['mm_pplcnet.models.classification'], allow_failed_imports=False)
# mm_pplcnet's Runner: strict loading, clear errors for damaged
# checkpoints, SyncBN on CPU, the batch-1 check (mm_pplcnet/engine)
runner_type = 'PPLCNetRunner'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
)
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # nccl on GPUs; tools/train.py switches to gloo on a CPU-only machine
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=None, deterministic=False)
