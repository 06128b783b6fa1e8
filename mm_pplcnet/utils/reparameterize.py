"""Deploy-time re-parameterization of a whole model."""
from torch import nn


def switch_to_deploy_(model: nn.Module) -> int:
    """Call ``switch_to_deploy()`` of every outermost submodule that has
    one (mmpretrain's convention: PPLCNetV2, RepVGG, MobileOne ...).

    A module that has the method folds its own children; they are not
    visited again. The outputs stay the same (eval-mode BN semantics).

    Args:
        model (nn.Module): The model, changed in place.

    Returns:
        int: How many modules were switched (0: nothing to fold).
    """
    switch = getattr(model, 'switch_to_deploy', None)
    if callable(switch):
        switch()
        return 1
    return sum(switch_to_deploy_(child) for child in model.children())
