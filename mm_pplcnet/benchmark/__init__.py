"""CPU benchmark: runner, backends, reports (``tools/benchmark.py``)."""
from . import report
from .backends import BACKENDS, export_onnx, fold_bn
from .config_jobs import config_input_shape, config_jobs
from .flops import Complexity, count_complexity
from .runner import Job, Row, machine_info, physical_cores, run_benchmark
from .zoo import checks, default_jobs, format_checks

__all__ = [
    'report', 'BACKENDS', 'export_onnx', 'fold_bn', 'config_jobs',
    'config_input_shape', 'Complexity', 'count_complexity', 'Job', 'Row',
    'machine_info', 'physical_cores', 'run_benchmark', 'checks',
    'default_jobs', 'format_checks'
]
