from .runner import (add_common_args, build_runner, check_data_roots,
                     load_config, run_cli)

__all__ = [
    'add_common_args', 'build_runner', 'check_data_roots', 'load_config',
    'run_cli'
]
