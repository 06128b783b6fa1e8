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


def check_same_detections(ref_boxes,
                          ref_scores,
                          ref_labels,
                          boxes,
                          scores,
                          labels,
                          score_tol: float = 1e-5,
                          box_tol: float = 1e-3,
                          against: str = 'the reference') -> int:
    """Check that two detectors' outputs are the same set of detections.

    Two runtimes that add in a different order give scores one float32
    step apart, so detections whose scores (nearly) tie may come out in
    either order, and a ``max_per_img`` cut may keep either of two tied
    candidates. The detections are therefore paired one to one (same
    label, scores within ``score_tol``, boxes within ``box_tol`` pixels),
    never compared position by position; a detection may stay unpaired
    only if its score ties (within ``score_tol``) with the lowest score
    kept, i.e. it sits at the cut.

    Args:
        ref_boxes (array-like): (N, 4) reference boxes, pixels.
        ref_scores (array-like): (N, ) reference scores.
        ref_labels (array-like): (N, ) reference class indices.
        boxes (array-like): (M, 4) boxes to check, pixels.
        scores (array-like): (M, ) scores to check.
        labels (array-like): (M, ) class indices to check.
        score_tol (float): Largest score difference of a pair.
        box_tol (float): Largest coordinate difference of a pair, pixels.
        against (str): Name of the reference, for the error message.

    Returns:
        int: How many detections were paired.

    Raises:
        ValueError: A detection (not at the cut) without a partner.
    """
    from scipy.optimize import linear_sum_assignment
    ref_boxes = np.asarray(ref_boxes, 'f8').reshape(-1, 4)
    boxes = np.asarray(boxes, 'f8').reshape(-1, 4)
    ref_scores = np.asarray(ref_scores, 'f8').reshape(-1)
    scores = np.asarray(scores, 'f8').reshape(-1)
    ref_labels = np.asarray(ref_labels).reshape(-1)
    labels = np.asarray(labels).reshape(-1)
    fits = ((ref_labels[:, None] == labels[None])
            & (np.abs(ref_scores[:, None] - scores[None]) <= score_tol)
            & (np.abs(ref_boxes[:, None] - boxes[None]).max(-1, initial=0)
               <= box_tol))
    rows, cols = linear_sum_assignment(~fits)
    keep = fits[rows, cols]
    rows, cols = rows[keep], cols[keep]
    cut = min(
        np.min(ref_scores, initial=np.inf), np.min(scores, initial=np.inf))
    problems = []
    for name, n, paired, sc, bx, lab in ((against, len(ref_scores), rows,
                                          ref_scores, ref_boxes, ref_labels),
                                         ('ours', len(scores), cols, scores,
                                          boxes, labels)):
        alone = np.setdiff1d(np.arange(n), paired)
        alone = alone[sc[alone] > cut + score_tol]
        problems += [
            f'{name} #{i}: label {lab[i]}, score {sc[i]:.7f}, box '
            f'{np.round(bx[i], 3).tolist()}' for i in alone[:5]
        ]
    if problems:
        raise ValueError(
            f'detections differ from {against} ({len(ref_scores)} vs '
            f'{len(scores)}; {len(rows)} paired within score {score_tol:g} '
            f'and box {box_tol:g} px); without a partner: '
            + '; '.join(problems))
    return len(rows)
