from .pplcnet_runner import BatchSizeError, PPLCNetRunner, pooled_batch_norms
from .runner import (add_common_args, build_runner, check_data_roots,
                     load_config, run_cli)

__all__ = [
    'BatchSizeError', 'PPLCNetRunner', 'add_common_args', 'build_runner',
    'check_data_roots', 'load_config', 'pooled_batch_norms', 'run_cli'
]
