"""ONNX export of our models, verified with ONNX Runtime."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from ..benchmark.backends import export_onnx
from ..benchmark.config_jobs import _flatten, config_input_shape
from ..utils.compare import check_close


class _Outputs(nn.Module):
    """``model(x, mode='tensor')`` (or a backbone) with a flat tuple of
    outputs, named ``output0`` ... in the ONNX graph."""

    def __init__(self, model: nn.Module, backbone_only: bool) -> None:
        super().__init__()
        self.model = model
        self.backbone_only = backbone_only

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        if self.backbone_only:
            out = self.model.backbone(x)
        else:
            out = self.model(x, mode='tensor')
        return tuple(_flatten(out))


def build_export_model(
        config: str,
        checkpoint: Optional[str] = None,
        backbone_only: bool = False) -> Tuple[nn.Module, Tuple[int, int], str]:
    """Build the model of an mmpretrain / mmdet / mmseg config for export.

    Args:
        config (str): Config file.
        checkpoint (str, optional): Weights. When None, random ones: He
            weights, then BN statistics measured on a random batch at the
            config's test size (:func:`calibrate_bn_`), so that every
            layer carries an O(1) signal as in a trained network.
        backbone_only (bool): Export only the backbone (its feature maps).

    Returns:
        tuple: The exportable module, the config's test (H, W), the scope.
    """
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from mmengine.utils import import_modules_from_strings

    import mm_pplcnet  # noqa: F401
    from ..utils.randomize import calibrate_bn_, randomize_
    cfg = Config.fromfile(config)
    scope = cfg.get('default_scope', 'mmpretrain')
    init_default_scope(scope)
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
    model = registry.build(cfg.model)
    if checkpoint:
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    else:
        randomize_(model)
    # the wrapper too: torch.onnx.export restores the wrapper's mode on
    # every submodule afterwards
    wrapper = _Outputs(model, backbone_only).eval()
    shape = config_input_shape(cfg)
    if not checkpoint:
        # statistics of random images hardly depend on their size: at most
        # 512 pixels a side keeps the pass quick for 1024x2048 segmentors
        k = min(1.0, 512 / max(shape))
        hw = [max(32, int(round(s * k / 32)) * 32) for s in shape]
        batch = torch.randn((2, 3, *hw),
                            generator=torch.Generator().manual_seed(1))
        calibrate_bn_(wrapper, lambda: wrapper(batch))
    return wrapper, shape, scope


def export_and_check(model: nn.Module,
                     path: str,
                     shape: Sequence[int],
                     opset: int = 17,
                     tol: float = 1e-4,
                     seed: int = 0) -> Dict[str, object]:
    """Export ``model`` to ONNX and compare ONNX Runtime with PyTorch.

    Args:
        model (nn.Module): Eval-mode module returning a tuple of tensors.
        path (str): Output ``.onnx``.
        shape (Sequence[int]): Input shape (N, C, H, W), fixed in the graph.
        opset (int): Opset. Defaults to 17.
        tol (float): Largest allowed difference for outputs of O(1),
            relative for larger ones (:func:`check_close`). Defaults to
            1e-4.
        seed (int): Seed of the check input.

    Returns:
        dict: ``max_abs_diff`` per output and the output shapes.
    """
    import onnx
    import onnxruntime as ort
    model.eval()
    x = torch.from_numpy(
        np.random.default_rng(seed).standard_normal(shape).astype('f4'))
    with torch.no_grad():
        expected: List[torch.Tensor] = list(model(x))
    names = [f'output{i}' for i in range(len(expected))]
    export_onnx(model, x, path, opset=opset, output_names=names)
    onnx.checker.check_model(path)
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    got = session.run(None, {'input': x.numpy()})
    diffs = []
    for name, e, g in zip(names, expected, got):
        try:
            diffs.append(
                check_close(e.numpy(), g, tol, f'{path}: {name}', 'PyTorch'))
        except ValueError as err:
            raise RuntimeError(f'ONNX Runtime: {err}') from None
    return dict(max_abs_diff=diffs, shapes=[tuple(e.shape) for e in expected])
