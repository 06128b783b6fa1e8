"""What the backbones ported from PaddleClas share.

Argument checks with clear errors, strict ``Pretrained`` loading, frozen
stages and ``norm_eval``. Subclasses list the modules to freeze in
:meth:`PaddleBackbone._frozen_modules`.
"""
import math
import re
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from ...utils.checkpoint import load_pretrained_strict


def parse_scale(scale: Union[int, float, str]) -> float:
    """Read a width multiplier given as a number or a Paddle-style name.

    Args:
        scale (int | float | str): ``1.0``, ``'1.0'``, ``'x1_0'``,
            ``'x1.0'`` or ``'1.0x'``.

    Returns:
        float: The positive multiplier.
    """
    value = None
    if isinstance(scale, (int, float)) and not isinstance(scale, bool):
        value = float(scale)
    elif isinstance(scale, str):
        match = re.fullmatch(r'x?(\d+)(?:[._](\d+))?x?', scale.strip())
        if match:
            value = float(f'{match[1]}.{match[2] or 0}')
    if value is None or not (value > 0 and math.isfinite(value)):
        raise ValueError(
            f'unknown scale {scale!r}: give a positive width multiplier '
            "such as 0.5 or 1.0, or a Paddle-style name such as 'x0_5'.")
    return value


def is_positive_int(value) -> bool:
    """Whether ``value`` is an int (not a bool) above 0.

    Args:
        value (object): Anything.

    Returns:
        bool: The answer.
    """
    return (isinstance(value, int) and not isinstance(value, bool)
            and value > 0)


def is_odd_kernel(value) -> bool:
    """Whether ``value`` is a positive odd kernel size.

    Args:
        value (object): Anything.

    Returns:
        bool: Whether it is an int (not a bool), above 0 and odd.
    """
    return is_positive_int(value) and value % 2 == 1


def check_flag(name: str, value) -> bool:
    """Check a switch argument (``norm_eval``, ``with_cp``, ``deploy``...).

    Args:
        name (str): The argument's name, for the message.
        value (object): Its value.

    Returns:
        bool: ``value``.

    Raises:
        TypeError: ``value`` is not a bool: a string such as ``'no'`` would
            otherwise count as True.
    """
    if not isinstance(value, bool):
        raise TypeError(f'{name} must be True or False, got {value!r} '
                        f'({type(value).__name__})')
    return bool(value)


class PaddleBackbone(BaseModule):
    """Base of the PaddleClas backbones (a stem and stages).

    Subclasses define ``arch_settings`` (named tables: a list per stage of
    blocks), ``block_doc`` and :meth:`_block_ok` (the form of a block, for
    :meth:`_check_arch`), :meth:`_default_strides`, :meth:`_stages_doc` and
    :meth:`_frozen_modules`, and call :meth:`_setup` first.
    """

    arch_settings: Dict[str, list] = {}
    block_doc = ''
    # whether stage 0 may have no block (it is then the stem alone)
    empty_first_stage = False
    frozen_stages: int = -1
    norm_eval: bool = False

    def _setup(self, scale: Union[float, str], arch, out_indices,
               frozen_stages: int, strides: Optional[Sequence[int]],
               dilations: Optional[Sequence[int]], norm_eval: bool,
               with_cp: bool) -> None:
        """Check and store the arguments all these backbones share.

        Sets ``scale``, ``arch`` (a checked copy of the table),
        ``out_indices``, ``frozen_stages``, ``strides``, ``dilations``,
        ``norm_eval`` and ``with_cp``; see the subclasses' Args.
        """
        self.scale = parse_scale(scale)
        self.arch = self._check_arch(arch)
        num_stages = len(self.arch)
        self.out_indices = self._check_out_indices(out_indices, num_stages,
                                                   self._stages_doc())
        self.frozen_stages = self._check_frozen_stages(frozen_stages,
                                                       num_stages)
        self.strides = self._check_per_stage('strides', strides,
                                             self._default_strides(), (1, 2))
        self.dilations = self._check_per_stage('dilations', dilations,
                                               [1] * num_stages)
        self.norm_eval = check_flag('norm_eval', norm_eval)
        self.with_cp = check_flag('with_cp', with_cp)

    def _default_strides(self) -> List[int]:
        """The stride of every stage of ``self.arch``."""
        raise NotImplementedError

    def _stages_doc(self) -> str:
        """What the stages of ``self.arch`` are, for error messages."""
        return ''

    # ------------------------------------------------------------ checks
    @staticmethod
    def _block_ok(block) -> bool:
        """Whether one row of an arch table is well formed."""
        raise NotImplementedError

    def _check_arch(self, arch) -> List[List[list]]:
        """Validate an arch name or table; return a copy of the table.

        Args:
            arch (str | list): A key of ``arch_settings`` or a list per
                stage of blocks.

        Returns:
            list: The table, copied (changing it never touches the class
            table).
        """
        if isinstance(arch, str):
            if arch not in self.arch_settings:
                raise ValueError(
                    f'unknown arch {arch!r}; choose one of '
                    f'{sorted(self.arch_settings)} or give a table (a list '
                    f'per stage of {self.block_doc} blocks)')
            arch = self.arch_settings[arch]
        if not (isinstance(arch, (list, tuple)) and arch):
            raise TypeError(f'arch must be a name or a non-empty list of '
                            f'stages, got {type(arch).__name__}')
        table = []
        for i, stage in enumerate(arch):
            # stage 0 may be the stem alone if blocks follow
            empty_ok = i == 0 and self.empty_first_stage and len(arch) > 1
            if not (isinstance(stage, (list, tuple)) and (stage or empty_ok)):
                raise ValueError(f'arch stage {i} must be a non-empty list '
                                 f'of blocks, got {stage!r}')
            rows = []
            for j, block in enumerate(stage):
                if not self._block_ok(block):
                    raise ValueError(
                        f'arch stage {i} block {j} is {block!r}; each block '
                        f'must be {self.block_doc}')
                rows.append(list(block))  # copy: never touch the table
            table.append(rows)
        return table

    @staticmethod
    def _check_out_indices(out_indices,
                           num_stages: int,
                           stages: str = '') -> Tuple[int, ...]:
        """Validate ``out_indices`` and make them non-negative and sorted.

        Args:
            out_indices (int | Sequence[int]): The requested stages.
            num_stages (int): How many stages the network has.
            stages (str): What the stages are, for the error message.

        Returns:
            tuple[int]: The sorted, non-negative indices.
        """
        if isinstance(out_indices, int):
            out_indices = (out_indices, )
        if not (isinstance(out_indices, (list, tuple)) and out_indices):
            raise TypeError('out_indices must be a non-empty sequence of '
                            f'ints, got {out_indices!r}')
        result = []
        for index in out_indices:
            if not (isinstance(index, int) and not isinstance(index, bool)
                    and -num_stages <= index < num_stages):
                where = f' ({stages})' if stages else ''
                raise ValueError(
                    f'out_indices {tuple(out_indices)} has {index!r} out of '
                    f'range: this network has {num_stages} stages, indices '
                    f'0..{num_stages - 1}{where} or negative ones from the '
                    'end')
            result.append(index % num_stages)
        if len(set(result)) != len(result):
            raise ValueError(f'out_indices {tuple(out_indices)} names a '
                             'stage twice')
        return tuple(sorted(result))

    @staticmethod
    def _check_frozen_stages(frozen_stages, num_stages: int) -> int:
        """Validate ``frozen_stages`` (-1 to ``num_stages``)."""
        if not (isinstance(frozen_stages, int)
                and not isinstance(frozen_stages, bool)
                and -1 <= frozen_stages <= num_stages):
            raise ValueError(
                f'frozen_stages must be an integer from -1 (freeze nothing) '
                f'to {num_stages} (freeze everything), got {frozen_stages!r}')
        return frozen_stages

    @staticmethod
    def _check_per_stage(name: str,
                         values: Optional[Sequence[int]],
                         default: Sequence[int],
                         allowed: Optional[Sequence[int]] = None) -> List[int]:
        """Validate one positive integer per stage (``strides`` ...).

        Args:
            name (str): The argument's name, for the error message.
            values (Sequence[int], optional): Given values; None keeps
                ``default``.
            default (Sequence[int]): One value per stage.
            allowed (Sequence[int], optional): The only values allowed.

        Returns:
            list[int]: The values (a new list).
        """
        if values is None:
            return list(default)
        values = list(values)
        if len(values) != len(default):
            raise ValueError(f'{name} needs one value per stage '
                             f'({len(default)}), got {values}')
        for v in values:
            if not is_positive_int(v) or (allowed and v not in allowed):
                raise ValueError(
                    f'{name} {values} has {v!r}; allowed: '
                    f'{allowed if allowed else "positive integers"}')
        return values

    # ---------------------------------------------------------- contract
    def _check_input(self, x: torch.Tensor) -> None:
        """Raise a clear error for anything but a batch of RGB images."""
        if torch.jit.is_tracing() or torch.jit.is_scripting():
            return
        if x.dim() != 4 or x.shape[1] != 3:
            raise ValueError(
                f'{type(self).__name__} takes a batch of RGB images of '
                f'shape (N, 3, H, W), got {tuple(x.shape)}')

    @staticmethod
    def _pretrained_to_init_cfg(
        pretrained: Optional[str], init_cfg: Optional[Union[dict, List[dict]]]
    ) -> Optional[Union[dict, List[dict]]]:
        """Turn mmseg's model-level ``pretrained=`` (which mmseg's
        ``EncoderDecoder`` hands to the backbone) into a ``Pretrained``
        init_cfg.

        Args:
            pretrained (str, optional): Checkpoint of this backbone alone.
            init_cfg (dict | list[dict], optional): The init_cfg given.

        Returns:
            dict | list[dict] | None: The init_cfg to use.

        Raises:
            ValueError: Both are given.
        """
        if pretrained is None:
            return init_cfg
        if init_cfg is not None:
            raise ValueError(
                'give the backbone either `pretrained` or `init_cfg`, not '
                f'both (pretrained={pretrained!r}, init_cfg={init_cfg!r})')
        if not isinstance(pretrained, str):
            raise TypeError('pretrained must be a checkpoint path or URL, '
                            f'got {type(pretrained).__name__}')
        return dict(type='Pretrained', checkpoint=pretrained)

    def init_weights(self) -> None:
        """Initialize weights; a ``Pretrained`` init_cfg loads strictly.

        ``init_cfg`` may be a dict or a list; its ``Pretrained`` entry (at
        most one) loads after the others, with every key required to fit
        unless it says ``strict=False`` (then what fits is loaded and the
        rest is listed in a warning).

        Raises:
            ValueError: More than one ``Pretrained`` entry.
            CheckpointMismatchError: The checkpoint does not fit.
        """
        cfgs = self.init_cfg if isinstance(self.init_cfg,
                                           list) else [self.init_cfg]
        pretrained = [
            c for c in cfgs
            if isinstance(c, dict) and c.get('type') == 'Pretrained'
        ]
        if not pretrained:
            super().init_weights()
            return
        if len(pretrained) > 1:
            raise ValueError(
                f'{type(self).__name__}: init_cfg has {len(pretrained)} '
                'Pretrained entries; give one checkpoint')
        others = [c for c in cfgs if c is not pretrained[0]]
        if others:
            original, self.init_cfg = self.init_cfg, others
            try:
                super().init_weights()
            finally:
                self.init_cfg = original
        cfg = pretrained[0]
        load_pretrained_strict(
            self,
            cfg['checkpoint'],
            prefix=cfg.get('prefix'),
            map_location=cfg.get('map_location', 'cpu'),
            skip=self._unused_pretrained_keys(),
            strict=cfg.get('strict', True))
        self._is_init = True

    def _unused_pretrained_keys(self) -> Sequence[str]:
        """Prefixes of pretrained keys this configuration does not use."""
        return ()

    def _frozen_modules(self) -> List[nn.Module]:
        """The stem and the stages below ``frozen_stages``."""
        raise NotImplementedError

    def _freeze_stages(self) -> None:
        if self.frozen_stages < 0:
            return
        for module in self._frozen_modules():
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'PaddleBackbone':
        """Set train mode, keeping frozen stages and ``norm_eval`` BNs in
        eval mode.

        Args:
            mode (bool): Training mode (True) or eval mode (False).
                Defaults to True.

        Returns:
            PaddleBackbone: ``self``.
        """
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self
