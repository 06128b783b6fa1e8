"""ONNX export of our models, verified with ONNX Runtime."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from ..benchmark.backends import export_onnx
from ..benchmark.config_jobs import (_flatten, build_config_model,
                                     config_input_shape)
from ..utils.compare import check_close


class _Outputs(nn.Module):
    """``model(x, mode='tensor')`` (or a backbone) with a flat tuple of
    outputs, named ``output0`` ... in the ONNX graph.

    Args:
        model (nn.Module): An mmpretrain / mmdet / mmseg model.
        backbone_only (bool): Run only ``model.backbone``.
    """

    def __init__(self, model: nn.Module, backbone_only: bool) -> None:
        super().__init__()
        self.model = model
        self.backbone_only = backbone_only

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Run the model (or its backbone) and flatten the outputs.

        Args:
            x (torch.Tensor): Batch of images, (N, 3, H, W).

        Returns:
            tuple[torch.Tensor]: Every output tensor, in order (dict
            outputs by sorted key).
        """
        if self.backbone_only:
            out = self.model.backbone(x)
        else:
            out = self.model(x, mode='tensor')
        return tuple(_flatten(out))


def build_export_model(
    config: str,
    checkpoint: Optional[str] = None,
    backbone_only: bool = False,
    shape: Optional[Sequence[int]] = None
) -> Tuple[nn.Module, Tuple[int, int], str]:
    """Build the model of an mmpretrain / mmdet / mmseg config for export.

    Args:
        config (str): Config file.
        checkpoint (str, optional): Weights. When None, random ones with
            calibrated BN statistics (:func:`build_config_model`).
        backbone_only (bool): Export only the backbone (its feature maps).
        shape (Sequence[int], optional): Input ``(H, W)`` in pixels; when
            None, the config's test size.

    Returns:
        tuple: The exportable module, the input (H, W), the scope.

    Raises:
        ValueError: No ``shape`` and the config's test pipeline has no
            fixed size.
    """
    model, cfg, scope = build_config_model(config, checkpoint)
    # the wrapper in eval mode too: torch.onnx.export restores the
    # wrapper's mode on every submodule afterwards
    wrapper = _Outputs(model, backbone_only).eval()
    hw = tuple(shape) if shape else config_input_shape(cfg)
    return wrapper, hw, scope


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
