"""One rule for 'the same outputs' across runtimes."""
import numpy as np


def check_close(ref,
                out,
                tol: float,
                what: str = 'outputs',
                against: str = 'PyTorch eager') -> float:
    """Compare ``out`` with ``ref`` relative to the size of ``ref``.

    The allowed difference is ``tol * max(1, max|ref|)``: an absolute
    ``tol`` for outputs of O(1), and a relative one for outputs in the
    hundreds, whose float32 rounding alone differs by more between two
    runtimes that add in a different order.

    Args:
        ref (array-like): Reference output.
        out (array-like): Output to check.
        tol (float): Tolerance for outputs of magnitude up to 1.
        what (str): Name of the outputs, for the error message.
        against (str): Name of the reference, for the error message.

    Returns:
        float: The largest absolute difference.

    Raises:
        ValueError: Different shapes, or a difference above the tolerance.
    """
    ref, out = np.asarray(ref), np.asarray(out)
    if ref.shape != out.shape:
        raise ValueError(f'{what}: shape {out.shape} != {against} '
                         f'{ref.shape}')
    diff = float(np.abs(ref.astype('f8') - out.astype('f8')).max())
    scale = max(1.0, float(np.abs(ref).max()))
    if not diff <= tol * scale:
        raise ValueError(f'{what} differ from {against} by {diff:.3g} '
                         f'(tolerance {tol * scale:.3g} = {tol:g} x '
                         f'max(1, max|{against}|))')
    return diff
