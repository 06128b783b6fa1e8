"""Document layout analysis: the regions of a page, drawn and listed.

For a layout detector (e.g. configs/picodet/
picodet-legacy_pplcnet-x1.0_800x608_publaynet.py with PP-Structure's
converted weights): every region above a score is filled translucently in
its class colour (the config's palette), outlined, and labelled with its
class name and score; the regions are also returned as a JSON-ready list.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .detection import Detection, check_files, load_detector, predict_boxes


def regions_to_dicts(detections: Sequence[Detection]) -> List[Dict]:
    """The detections as ``{label, score, bbox}`` dicts (JSON-ready).

    Args:
        detections (Sequence[Detection]): ``(name, score, (x1, y1, x2,
            y2))`` tuples, as :func:`predict_boxes` returns.

    Returns:
        list[dict]: ``label`` (class name), ``score`` (4 decimals) and
        ``bbox`` (``[x1, y1, x2, y2]`` in image pixels, 1 decimal).
    """
    return [
        dict(
            label=name, score=round(score, 4), bbox=[round(v, 1) for v in box])
        for name, score, box in detections
    ]


def _text_colour(colour: Tuple[int, int, int]) -> Tuple[int, int, int]:
    """Black or white, whichever reads better on ``colour`` (any order)."""
    luma = 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]
    return (0, 0, 0) if luma > 150 else (255, 255, 255)


def draw_regions(image: np.ndarray,
                 detections: Sequence[Detection],
                 classes: Sequence[str],
                 palette: Sequence[Sequence[int]],
                 opacity: float = 0.3) -> np.ndarray:
    """Draw layout regions: translucent fill, outline, name and score.

    Regions are drawn from the lowest score up, so the surest ones end on
    top; where regions overlap their fills add up.

    Args:
        image (np.ndarray): ``(H, W, 3)`` uint8 BGR image (not modified).
        detections (Sequence[Detection]): ``(name, score, (x1, y1, x2,
            y2))`` tuples in image pixels.
        classes (Sequence[str]): Class names, in the palette's order.
        palette (Sequence[Sequence[int]]): One RGB colour per class.
        opacity (float): Weight of the fill colour, in [0, 1]. Defaults to
            0.3.

    Returns:
        np.ndarray: The ``(H, W, 3)`` uint8 BGR drawing.
    """
    import cv2
    if not 0 <= opacity <= 1:
        raise ValueError(f'opacity must be in [0, 1], got {opacity}')
    if len(palette) < len(classes):
        raise ValueError(f'{len(palette)} colours for {len(classes)} '
                         'classes')
    out = image.astype(np.float32)
    h, w = image.shape[:2]
    colours = {
        name: tuple(int(c) for c in reversed(palette[i][:3]))
        for i, name in enumerate(classes)
    }
    boxes = []
    for name, score, box in sorted(detections, key=lambda d: d[1]):
        x1, y1, x2, y2 = (int(round(v)) for v in box)
        x1, x2 = np.clip([x1, x2], 0, w - 1)
        y1, y2 = np.clip([y1, y2], 0, h - 1)
        if x2 <= x1 or y2 <= y1:
            continue
        colour = colours.get(name, (128, 128, 128))
        region = out[y1:y2 + 1, x1:x2 + 1]
        region *= 1 - opacity
        region += opacity * np.asarray(colour, np.float32)
        boxes.append((name, score, (x1, y1, x2, y2), colour))
    out = np.ascontiguousarray(out.round().clip(0, 255).astype(np.uint8))
    thickness = max(1, round(min(h, w) / 400))
    font_scale = max(0.4, min(h, w) / 1600)
    for name, score, (x1, y1, x2, y2), colour in boxes:
        cv2.rectangle(out, (x1, y1), (x2, y2), colour, thickness)
        text = f'{name} {score:.2f}'
        (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX,
                                         font_scale, 1)
        # above the box when there is room, else inside its top-left corner
        top = y1 - th - base - 2 if y1 - th - base - 2 >= 0 else y1
        left = min(x1, max(0, w - tw - 2))
        cv2.rectangle(out, (left, top), (left + tw + 2, top + th + base + 2),
                      colour, -1)
        cv2.putText(out, text, (left + 1, top + th + 1),
                    cv2.FONT_HERSHEY_SIMPLEX, font_scale, _text_colour(colour),
                    1, cv2.LINE_AA)
    return out


def layout_demo(config: str,
                checkpoint: str,
                image: str,
                out: str,
                score_thr: float = 0.5,
                json_out: Optional[str] = None,
                device: str = 'cpu',
                opacity: float = 0.3) -> List[Dict]:
    """Detect the layout regions of a page image, draw and list them.

    Args:
        config (str): A layout config (mmdet), e.g. the PubLayNet or CDLA
            config of legacy PicoDet.
        checkpoint (str): Its weights (e.g. converted PP-Structure ones).
        image (str): Page image file.
        out (str): Output picture (its folder is created).
        score_thr (float): Regions below this score are dropped; lower than
            the config's test ``score_thr``, it lowers that too. Defaults to
            0.5.
        json_out (str, optional): Where to write the regions as JSON.
            Defaults to ``out`` with the extension ``.json``.
        device (str): Torch device. Defaults to 'cpu'.
        opacity (float): Weight of the fill colours. Defaults to 0.3.

    Returns:
        list[dict]: The regions (:func:`regions_to_dicts`), best first.
    """
    import mmcv
    check_files(config=config, checkpoint=checkpoint, image=image)
    page = mmcv.imread(image)
    if page is None:
        raise ValueError(f'{image!r} is not an image')
    model = load_detector(config, checkpoint, device, score_thr=score_thr)
    h, w = page.shape[:2]
    # boxes may reach past the page by a fraction of a cell: clip them
    detections = [
        (name, score, (min(max(box[0], 0), w), min(max(box[1], 0), h),
                       min(max(box[2], 0), w), min(max(box[3], 0), h)))
        for name, score, box in predict_boxes(model, page, score_thr)
    ]
    meta = model.dataset_meta
    drawing = draw_regions(page, detections, meta['classes'], meta['palette'],
                           opacity)
    regions = regions_to_dicts(detections)
    json_out = json_out or osp.splitext(out)[0] + '.json'
    for path in (out, json_out):
        if osp.dirname(path):
            os.makedirs(osp.dirname(path), exist_ok=True)
    if not mmcv.imwrite(drawing, out):
        raise OSError(f'could not write {out!r}')
    with open(json_out, 'w') as f:
        # one region per line
        f.write('[\n' + ',\n'.join(json.dumps(r) for r in regions) + '\n]\n')
    return regions
