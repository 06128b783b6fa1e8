"""Do two sets of results agree? (numpy only)

The rules of the deploy check: classification the same label and scores
within ``score_tol``; detection the same labels in the same order and
boxes within ``box_tol`` pixels (scores within ``score_tol``); label maps
identical except at most ``pixel_frac`` of the pixels.
"""
from typing import Dict, List, Sequence

import numpy as np


class TiedScoresError(ValueError):
    """Detections disagree where the reference scores tie (random weights
    that saturate the scores): their order, and so the kept set, is
    arbitrary, not a deployment error."""


def compare(task: str,
            ref: Sequence[Dict],
            got: Sequence[Dict],
            box_tol: float = 1e-2,
            box_rel: float = 0.0,
            score_tol: float = 1e-4,
            pixel_frac: float = 1e-3) -> List[Dict]:
    """Compare per-image results; raise on the first disagreement.

    Args:
        task (str): 'classification', 'detection' or 'segmentation'.
        ref (Sequence[dict]): Reference results (PyTorch ``predict``).
        got (Sequence[dict]): Results to check (the Predictor's).
        box_tol (float): Largest box coordinate difference, pixels.
            Defaults to 1e-2.
        box_rel (float): When larger, ``box_rel * max |reference box
            coordinate|`` is the limit instead: random-weight networks
            (dry runs) amplify float32 rounding far more than trained ones.
            Defaults to 0.
        score_tol (float): Largest score difference. Defaults to 1e-4.
        pixel_frac (float): Largest fraction of differing label-map
            pixels. Defaults to 1e-3.

    Returns:
        list[dict]: Per image the measured differences.

    Raises:
        TiedScoresError: Detections disagree where reference scores tie.
        ValueError: The results disagree (the message says where).
    """
    if len(ref) != len(got):
        raise ValueError(f'{len(got)} results for {len(ref)} images')
    report = []
    for i, (r, g) in enumerate(zip(ref, got)):
        where = f'image {i}'
        if task == 'classification':
            diff = float(np.abs(r['scores'] - g['scores']).max())
            if r['label'] != g['label'] or diff > score_tol:
                raise ValueError(f'{where}: label {g["label"]} vs '
                                 f'{r["label"]}, scores differ by {diff:.3g}')
            report.append(dict(max_score_diff=diff))
        elif task == 'detection':
            if len(r['labels']) != len(g['labels']) or not np.array_equal(
                    r['labels'], g['labels']):
                msg = (f'{where}: {len(g["labels"])} detections vs '
                       f'{len(r["labels"])}, labels {g["labels"][:10]} vs '
                       f'{r["labels"][:10]}')
                tied = len(r['scores']) - len(np.unique(r['scores']))
                if tied:
                    raise TiedScoresError(
                        f'{msg}; {tied} of the {len(r["scores"])} reference '
                        'scores tie (random weights saturate them), so '
                        'which tied detections are kept is arbitrary: '
                        'check with a trained checkpoint')
                raise ValueError(msg)
            box = float(np.abs(r['boxes'] - g['boxes']).max(initial=0))
            score = float(np.abs(r['scores'] - g['scores']).max(initial=0))
            limit = max(box_tol,
                        box_rel * float(np.abs(r['boxes']).max(initial=0)))
            if box > limit or score > score_tol:
                raise ValueError(f'{where}: boxes differ by {box:.3g} px '
                                 f'(tolerance {limit:.3g}), scores by '
                                 f'{score:.3g} (tolerance {score_tol})')
            report.append(
                dict(
                    detections=len(r['labels']),
                    max_box_diff_px=box,
                    max_score_diff=score))
        else:
            a, b = r['label_map'], g['label_map']
            if a.shape != b.shape:
                raise ValueError(f'{where}: label map {b.shape} vs '
                                 f'{a.shape}')
            frac = float((a != b).mean())
            if frac > pixel_frac:
                raise ValueError(f'{where}: {frac:.2%} of the pixels '
                                 f'differ (tolerance {pixel_frac:.2%})')
            report.append(dict(differing_pixels=frac))
    return report
