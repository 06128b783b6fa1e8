"""Channel rounding shared by PP-LCNet and Paddle's MobileNetV3."""
from typing import Optional


def make_divisible(value: float,
                   divisor: int = 8,
                   min_value: Optional[int] = None,
                   min_ratio: float = 0.9) -> int:
    """Round a channel count the way PaddleClas does.

    Rounds half up to a multiple of ``divisor``, never below ``min_value``,
    and adds one ``divisor`` if the result lost more than
    ``1 - min_ratio`` of ``value``. For example ``32 * 0.35 = 11.2`` gives
    16 (8 would lose 29%), not the 8 a naive rounding gives.

    Args:
        value (float): The unrounded channel count.
        divisor (int): The result is a multiple of this. Defaults to 8.
        min_value (int, optional): Lower bound of the result. Defaults to
            ``divisor``.
        min_ratio (float): The smallest allowed ratio of the result to
            ``value``. Defaults to 0.9.

    Returns:
        int: The rounded channel count.
    """
    if min_value is None:
        min_value = divisor
    new_value = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new_value < min_ratio * value:
        new_value += divisor
    return new_value
