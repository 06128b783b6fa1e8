"""Shared pieces of the parity tests."""
import torch

from mm_pplcnet.utils.randomize import randomize_  # noqa: F401


def max_abs_diff(a, b) -> float:
    return float((torch.as_tensor(a) - torch.as_tensor(b)).abs().max())


def assert_detections_match_paddle_nms(pair: dict) -> None:
    """Paddle's MultiClassNMS (PicoDet's settings) on paddledet's head and
    our ``predict_by_feat`` give the same 100 detections per image.

    Args:
        pair (dict): ``ref`` (paddledet's PicoDet), ``feats`` (its neck
            outputs), ``model`` (ours) and ``ours`` (our head outputs).
    """
    import numpy as np
    import paddle

    from mm_pplcnet.reference import paddle as paddle_ref
    from mm_pplcnet.utils.compare import check_same_detections
    nms_mod = paddle_ref.import_ppdet('ppdet.modeling.layers')
    head = pair['ref'].head
    head.nms = nms_mod.MultiClassNMS(
        score_threshold=0.025,
        nms_top_k=1000,
        keep_top_k=100,
        nms_threshold=0.6)
    scale = np.array([[0.5, 0.8], [1.0, 1.0]], 'float32')  # (h, w)
    with paddle.no_grad():
        dets, nums = head.post_process(
            head.forward_eval(pair['feats']), paddle.to_tensor(scale))
    dets, nums = dets.numpy(), nums.numpy()
    metas = [dict(scale_factor=(s[1], s[0])) for s in scale]
    with torch.no_grad():
        results = pair['model'].bbox_head.predict_by_feat(
            *pair['ours'], batch_img_metas=metas, rescale=True)
    start = 0
    for res, num in zip(results, nums):
        ref = dets[start:start + num]
        start += num
        assert len(res) == num == 100
        assert len(np.unique(ref[:, 0])) > 1
        # paired one to one: tied scores may come out in either order
        paired = check_same_detections(ref[:, 2:], ref[:, 1], ref[:, 0],
                                       res.bboxes.numpy(), res.scores.numpy(),
                                       res.labels.numpy(), 1e-5, 1e-3,
                                       'Paddle')
        assert paired >= 95
