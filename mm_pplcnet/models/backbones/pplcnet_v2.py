"""PP-LCNetV2, PP-LCNet's successor with re-parameterizable branches.

A faithful port of PaddleClas' ``legendary_models/pp_lcnet_v2.py``
(``PPLCNetV2_small / base / large``; PaddleClas docs
``docs/en/models/PP-LCNetV2_en.md``): same widths, same parameters,
weights that convert one to one (:mod:`mm_pplcnet.converters.pplcnetv2`).
This module imports only torch, mmengine and mmcv.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn import ConvModule
from mmengine.registry import MODELS
from torch import nn

from ..layers import RepDepthwiseSeparable, make_divisible
from .base import PaddleBackbone, check_flag, is_odd_kernel, is_positive_int
from .pplcnet import PPLCNet

# [kernel_size, out_channels, stride, split_pw, use_rep, use_se,
#  use_shortcut]
Block = Sequence


def _stages(depths: Sequence[int]) -> List[List[list]]:
    """The table of one variant: the stem's block, then PaddleClas'
    NET_CONFIG stages with ``depths`` blocks (first of stride 2)."""
    # (kernel, out_channels = 2 x Paddle's in_channels, split_pw, use_rep,
    #  use_se, use_shortcut) of PaddleClas' stage1 .. stage4
    rows = [(3, 128, False, False, False, False),
            (3, 256, False, False, False, False),
            (5, 512, True, True, True, False),
            (5, 1024, False, True, False, True)]
    table = [[[3, 64, 1, False, False, False, False]]]
    for depth, (k, c, split, rep, se, short) in zip(depths, rows):
        table.append([[k, c, 2 if i == 0 else 1, split, rep, se, short]
                      for i in range(depth)])
    return table


@MODELS.register_module()
class PPLCNetV2(PaddleBackbone):
    """PP-LCNetV2 backbone.

    PaddleClas' ``stem`` (3x3 stride-2 conv-BN-ReLU, then a
    depthwise-separable block) and four ``stages`` of
    :class:`RepDepthwiseSeparable` blocks. Stage ``i`` of ``out_indices``
    / ``frozen_stages`` (channels at scale 1.0):

    =====  =================  ======  ========  ===========================
    index  Paddle modules     stride  channels  blocks (small/base/large)
    =====  =================  ======  ========  ===========================
    0      stem.0, stem.1     2       64        1
    1      stages.0           4       128       2
    2      stages.1           8       256       2
    3      stages.2           16      512       4 / 6 / 8 (rep, SE, split
                                                pointwise, 5x5)
    4      stages.3           32      1024      2 (rep, shortcut, 5x5)
    =====  =================  ======  ========  ===========================

    ``frozen_stages=0`` freezes ``stem.0`` (the stem conv) only, as
    ``PPLCNet`` freezes its ``conv1``. PaddleClas' classification head
    (pool, 1x1 conv to 1280 without bias, ReLU, dropout 0.2, linear) is
    ``PPLCNetClsHead`` with ``act_cfg=dict(type='ReLU')``.

    In training the re-parameterizable blocks sum parallel depthwise
    conv-BN branches (5x5, 3x3 and, at stride 1, 1x1);
    :meth:`switch_to_deploy` folds them into one 5x5 depthwise conv with
    bias, which computes the same function (for inference and export).
    Parameters are Paddle's except its ``dw_conv`` of each rep block: a
    place for the folded kernel that its training never uses (its released
    files carry it already folded; the converter drops it).

    It is registered in mmengine's root ``MODELS`` registry, so
    ``dict(type='PPLCNetV2')`` builds under the default scopes of mmdet,
    mmseg and mmpretrain once ``mm_pplcnet`` is imported.

    Args:
        arch (str | list): ``'small'``, ``'base'``, ``'large'`` (PaddleClas'
            variants: 4, 6, 8 blocks in stage 3) or a custom table: one
            list per stage of blocks ``[kernel_size, out_channels, stride,
            split_pw, use_rep, use_se, use_shortcut]`` with channels
            before scaling. Defaults to 'base'.
        scale (float | str, optional): Width multiplier; every width is
            ``make_divisible(c * scale, 8)``. None takes the variant's:
            0.75 (small), 1.0 (base), 1.25 (large); 1.0 for a table.
            Defaults to None.
        stem_channels (int): Stem conv width before scaling. Defaults to
            32.
        out_indices (Sequence[int]): Stages whose outputs are returned
            (negative indices count from the end). Defaults to ``(4, )``.
        frozen_stages (int): Freeze (no gradient, BN in eval mode) the stem
            conv and the stages with index below this; -1 freezes nothing,
            0 the stem conv only. Defaults to -1.
        strides (Sequence[int], optional): Stride of the first block of
            each stage, overriding the table (use 1 with ``dilations`` for
            segmentation); the branches and shortcuts stay those of the
            table, so the weights fit either way. None keeps the table's.
            Defaults to None.
        dilations (Sequence[int], optional): Dilation of the depthwise
            convs of each stage. Output stride 8 is
            ``strides=(1, 2, 2, 1, 1), dilations=(1, 1, 1, 2, 4)``, 16 is
            ``strides=(1, 2, 2, 2, 1), dilations=(1, 1, 1, 1, 2)``.
            Defaults to no dilation.
        se_ratio (int): Squeeze ratio of the SE layers. Defaults to 4.
        se_act_cfg (Sequence[dict]): SE activation and gate. Defaults to
            ReLU and a plain sigmoid (Paddle's ``SEModule``).
        deploy (bool): Build the rep blocks folded (to load a checkpoint
            saved after :meth:`switch_to_deploy`). Defaults to False.
        conv_cfg (dict, optional): Convolution config. Defaults to None.
        norm_cfg (dict): Normalization config. Defaults to BN.
        act_cfg (dict): Activation config. Defaults to ReLU.
        norm_eval (bool): Keep BN layers in eval mode (frozen statistics)
            during training. Defaults to False.
        with_cp (bool): Gradient checkpointing in every block. Defaults to
            False.
        init_cfg (dict | list[dict], optional): Initialization config.
            ``dict(type='Pretrained', checkpoint=..., prefix=...)`` loads
            weights and raises an error listing the keys unless they match
            the network exactly; ``strict=False`` in it loads what fits
            and lists the rest in a warning.
        pretrained (str, optional): mmseg's model-level ``pretrained``
            (checkpoint of the backbone alone), the same as
            ``init_cfg=dict(type='Pretrained', checkpoint=pretrained)``.
    """

    arch_settings: Dict[str, list] = {
        'small': _stages([2, 2, 4, 2]),
        'base': _stages([2, 2, 6, 2]),
        'large': _stages([2, 2, 8, 2]),
    }
    default_scales = {'small': 0.75, 'base': 1.0, 'large': 1.25}
    block_doc = ('[kernel_size (odd int), out_channels (positive int), '
                 'stride (1 or 2), split_pw, use_rep, use_se, use_shortcut '
                 '(bools)]')

    def __init__(self,
                 arch: Union[str, List[List[Block]]] = 'base',
                 scale: Optional[Union[float, str]] = None,
                 stem_channels: int = 32,
                 out_indices: Sequence[int] = (4, ),
                 frozen_stages: int = -1,
                 strides: Optional[Sequence[int]] = None,
                 dilations: Optional[Sequence[int]] = None,
                 se_ratio: int = 4,
                 se_act_cfg: Sequence[dict] = (dict(type='ReLU'),
                                               dict(type='Sigmoid')),
                 deploy: bool = False,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None,
                 pretrained: Optional[str] = None) -> None:
        super().__init__(
            init_cfg=self._pretrained_to_init_cfg(pretrained, init_cfg))
        if scale is None:
            scale = self.default_scales.get(arch, 1.0) if isinstance(
                arch, str) else 1.0
        self._setup(scale, arch, out_indices, frozen_stages, strides,
                    dilations, norm_eval, with_cp)
        deploy = check_flag('deploy', deploy)
        if not is_positive_int(stem_channels):
            raise ValueError('stem_channels must be a positive int, got '
                             f'{stem_channels!r}')
        self.arch_name = arch if isinstance(arch, str) else 'custom'
        self.stem_channels = make_divisible(stem_channels * self.scale)
        se_cfg = dict(ratio=se_ratio, act_cfg=se_act_cfg)
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        in_channels = self.stem_channels
        self.out_channels: List[int] = []
        stages = []
        for i, stage in enumerate(self.arch):
            blocks = []
            for j, (kernel_size, channels, stride, split_pw, use_rep, use_se,
                    use_shortcut) in enumerate(stage):
                out_channels = make_divisible(channels * self.scale)
                blocks.append(
                    RepDepthwiseSeparable(
                        in_channels,
                        out_channels,
                        kernel_size,
                        stride=self.strides[i] if j == 0 else stride,
                        dilation=self.dilations[i],
                        table_stride=stride,
                        split_pw=bool(split_pw),
                        use_rep=bool(use_rep),
                        se_cfg=se_cfg if use_se else None,
                        use_shortcut=bool(use_shortcut),
                        deploy=deploy,
                        with_cp=with_cp,
                        **common))
                in_channels = out_channels
            stages.append(blocks)
            self.out_channels.append(in_channels)
        stem_conv = ConvModule(
            3, self.stem_channels, 3, stride=2, padding=1, **common)
        # Paddle's names: stem.0 (conv), stem.1 (block), stages.0 .. 3
        self.stem = nn.Sequential(stem_conv, *stages[0])
        self.stages = nn.ModuleList(nn.Sequential(*s) for s in stages[1:])
        self._freeze_stages()

    @staticmethod
    def _block_ok(block) -> bool:
        return (isinstance(block, (list, tuple)) and len(block) == 7
                and is_odd_kernel(block[0]) and is_positive_int(block[1])
                and block[2] in (1, 2) and not isinstance(block[2], bool)
                and all(isinstance(b, (bool, int)) for b in block[3:]))

    def _check_arch(self, arch) -> List[List[list]]:
        table = super()._check_arch(arch)
        if len(table) != 5:
            raise ValueError(
                'a PPLCNetV2 table has 5 stages (the stem\'s blocks, then '
                f'PaddleClas\' 4 stages), got {len(table)}')
        return table

    def _default_strides(self) -> List[int]:
        return [stage[0][2] for stage in self.arch]

    def _stages_doc(self) -> str:
        return 'stem, stages.0..stages.3, strides 2, 4, 8, 16, 32 by default'

    # ---------------------------------------------------------- contract
    # the same table layout as PPLCNet's (stride at index 2 of a block,
    # a stride-2 stem before stage 0): the same computation
    stage_strides = PPLCNet.stage_strides

    def _stage_modules(self) -> List[nn.Module]:
        """The five stages: the stem (conv and block), then ``stages``."""
        return [self.stem, *self.stages]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Return the outputs of the stages in ``out_indices``.

        Args:
            x (torch.Tensor): Batch of RGB images, (N, 3, H, W).

        Returns:
            tuple[torch.Tensor]: One feature map per index of
            ``out_indices``, in increasing order;
            ``(N, out_channels[i], H / s_i, W / s_i)`` with ``s_i`` of
            :meth:`stage_strides`.
        """
        self._check_input(x)
        outs = []
        for i, stage in enumerate(self._stage_modules()):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def switch_to_deploy(self) -> 'PPLCNetV2':
        """Fold every block's depthwise branches and BNs into one conv
        (mmpretrain's re-parameterization convention).

        The outputs stay the same (eval-mode BN semantics); call it on a
        trained model before benchmarking or export. A model built with
        ``deploy=True`` loads the folded checkpoint.

        Returns:
            PPLCNetV2: ``self``.

        Raises:
            TypeError: The norm layers are not batch norm.
        """
        for module in self.modules():
            if isinstance(module, RepDepthwiseSeparable):
                module.switch_to_deploy()
        return self

    @property
    def deployed(self) -> bool:
        """Whether no block has unfolded depthwise branches."""
        return not any(m.dw_conv_list is not None for m in self.modules()
                       if isinstance(m, RepDepthwiseSeparable))

    def _frozen_modules(self) -> List[nn.Module]:
        """The stem conv and the stages below ``frozen_stages``."""
        stages = [self.stem[1:], *self.stages]
        return [self.stem[0]] + stages[:self.frozen_stages]
