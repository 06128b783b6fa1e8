"""Run a detector of ours on an image and draw its boxes."""
import os
import os.path as osp
from typing import List, Optional, Tuple

import numpy as np

Detection = Tuple[str, float, Tuple[float, float, float, float]]


def detect_image(config: str,
                 checkpoint: Optional[str],
                 image: str,
                 out_file: Optional[str] = None,
                 score_thr: float = 0.3,
                 device: str = 'cpu') -> List[Detection]:
    """Detect objects in ``image`` and optionally save a drawing.

    Args:
        config (str): An mmdet config of ours (e.g. configs/picodet/...).
        checkpoint (str, optional): Trained weights (None: random, only
            useful to check the plumbing).
        image (str): Image file.
        out_file (str, optional): Where to save the image with the boxes
            and labels drawn.
        score_thr (float): Boxes below this score are dropped. Defaults to
            0.3.
        device (str): Torch device. Defaults to 'cpu'.

    Returns:
        list: ``(class name, score, (x1, y1, x2, y2))`` per kept box,
        highest score first.
    """
    import mmcv
    from mmdet.apis import inference_detector, init_detector
    from mmdet.registry import VISUALIZERS

    import mm_pplcnet  # noqa: F401
    for path, what in ((config, 'config'), (image, 'image')):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{what} file {path!r} does not exist')
    model = init_detector(config, checkpoint, device=device)
    result = inference_detector(model, image)
    pred = result.pred_instances
    keep = pred.scores >= score_thr
    classes = model.dataset_meta.get('classes') or tuple(
        str(i) for i in range(int(pred.labels.max()) + 1 if len(pred) else 0))
    detections = [(classes[int(label)], float(score),
                   tuple(float(v) for v in box)) for label, score, box in
                  zip(pred.labels[keep], pred.scores[keep], pred.bboxes[keep])]
    if out_file:
        visualizer = VISUALIZERS.build(model.cfg.visualizer)
        visualizer.dataset_meta = model.dataset_meta
        img = mmcv.imread(image, channel_order='rgb')
        os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
        visualizer.add_datasample(
            'result',
            np.ascontiguousarray(img),
            data_sample=result,
            draw_gt=False,
            show=False,
            pred_score_thr=score_thr,
            out_file=out_file)
    return sorted(detections, key=lambda d: -d[1])
