"""Drawings of Predictor results (OpenCV only, no torch)."""
from typing import Dict, Sequence

import numpy as np


def _colour(i: int, palette: Sequence[Sequence[int]]) -> tuple:
    """BGR colour of class ``i``: the palette's (RGB), else a fixed one."""
    if i < len(palette):
        r, g, b = palette[i][:3]
    else:
        rng = np.random.default_rng(i)
        r, g, b = (int(c) for c in rng.integers(40, 230, 3))
    return int(b), int(g), int(r)


def draw_result(image: np.ndarray,
                result: Dict,
                task: str,
                classes: Sequence[str],
                palette: Sequence[Sequence[int]] = (),
                score_thr: float = 0.3) -> np.ndarray:
    """Draw one result on a copy of its image.

    Args:
        image (np.ndarray): ``(H, W, 3)`` uint8 BGR image.
        result (dict): A :class:`Predictor` result.
        task (str): 'classification', 'detection' or 'segmentation'.
        classes (Sequence[str]): Class names.
        palette (Sequence[Sequence[int]]): RGB colours per class.
        score_thr (float): Boxes below this score are not drawn. Defaults
            to 0.3.

    Returns:
        np.ndarray: The drawing, ``(H, W, 3)`` uint8 BGR.
    """
    import cv2
    out = image.copy()
    h, w = out.shape[:2]
    scale = max(0.4, min(h, w) / 800)
    thick = max(1, round(min(h, w) / 400))

    def name(i: int) -> str:
        return classes[i] if 0 <= i < len(classes) else str(i)

    if task == 'classification':
        lines = [
            f'{name(int(i))}: {s:.3f}'
            for i, s in zip(result['topk_labels'], result['topk_scores'])
        ]
        for k, text in enumerate(lines):
            y = int((k + 1) * 30 * scale)
            cv2.putText(out, text, (10, y), cv2.FONT_HERSHEY_SIMPLEX, scale,
                        (0, 0, 0), thick + 2, cv2.LINE_AA)
            cv2.putText(out, text, (10, y), cv2.FONT_HERSHEY_SIMPLEX, scale,
                        (255, 255, 255), thick, cv2.LINE_AA)
    elif task == 'detection':
        keep = result['scores'] >= score_thr
        for box, score, label in zip(result['boxes'][keep],
                                     result['scores'][keep],
                                     result['labels'][keep]):
            colour = _colour(int(label), palette)
            x1, y1, x2, y2 = (int(round(v)) for v in box)
            cv2.rectangle(out, (x1, y1), (x2, y2), colour, thick)
            cv2.putText(out, f'{name(int(label))} {score:.2f}',
                        (x1, max(12, y1 - 4)), cv2.FONT_HERSHEY_SIMPLEX,
                        0.5 * scale, colour, thick, cv2.LINE_AA)
    else:
        labels = result['label_map']
        n = int(labels.max()) + 1
        colours = np.array([_colour(i, palette) for i in range(n)], np.uint8)
        out = cv2.addWeighted(out, 0.5, colours[labels], 0.5, 0)
    return out
