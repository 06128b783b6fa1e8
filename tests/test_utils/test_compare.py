import numpy as np
import pytest

from mm_pplcnet.utils.compare import check_close, check_same_detections


def _dets():
    rng = np.random.default_rng(0)
    boxes = rng.uniform(0, 300, (6, 4))
    scores = np.array([0.9, 0.7598418, 0.75984174, 0.5, 0.3, 0.2])
    labels = np.array([1, 23, 38, 4, 4, 7])
    return boxes, scores, labels


def test_tied_scores_in_either_order_are_the_same_detections():
    boxes, scores, labels = _dets()
    # the two near-tied detections (issue: labels 23 and 38 of one anchor,
    # one float32 step apart) come out swapped
    order = [0, 2, 1, 3, 4, 5]
    assert check_same_detections(boxes, scores, labels, boxes[order],
                                 scores[order] + 3e-8, labels[order]) == 6


def test_either_of_two_tied_candidates_may_be_kept_at_the_cut():
    boxes, scores, labels = _dets()
    other = boxes.copy()
    other[5] += 50  # another box with (nearly) the lowest kept score
    assert check_same_detections(boxes, scores, labels, other, scores,
                                 labels) == 5


@pytest.mark.parametrize('change', ['label', 'score', 'box', 'missing'])
def test_a_real_difference_is_an_error_naming_the_detection(change):
    boxes, scores, labels = _dets()
    b, s, lab = boxes.copy(), scores.copy(), labels.copy()
    if change == 'label':
        lab[3] = 5
    elif change == 'score':
        s[3] += 1e-3
    elif change == 'box':
        b[3, 2] += 0.01
    else:
        b, s, lab = b[[0, 1, 2, 4, 5]], s[[0, 1, 2, 4,
                                           5]], lab[[0, 1, 2, 4, 5]]
    with pytest.raises(ValueError, match=r'without a partner: .*#3: label'):
        check_same_detections(boxes, scores, labels, b, s, lab)


def test_check_close_is_relative_to_the_reference_scale():
    ref = np.array([300.0, -2.0])
    assert check_close(ref, ref + 2e-3, 1e-5) == pytest.approx(2e-3)
    with pytest.raises(ValueError, match='tolerance 0.003'):
        check_close(ref, ref + 4e-3, 1e-5)
    with pytest.raises(ValueError, match='shape'):
        check_close(ref, ref[:1], 1e-5)
