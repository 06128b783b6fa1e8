"""Write a Paddle inference model of a PaddleClas classifier from its
.pdparams, as users get them: ``paddle.jit.save`` (Paddle 3: PIR
``.json`` + ``.pdiparams``) or the static graph of Paddle 2.x
(``.pdmodel`` + ``.pdiparams``, via ``paddle.pir_utils.OldIrGuard``).

Also paddle2onnx exports of the classifiers' inference models, and
PicoDets (per-level head outputs) as Paddle 3 inference models. Run as a
script (a fresh process: the old static graph changes Paddle's global
state), all models in one process:

    python paddle_export.py ROOT FAMILY:VARIANT:CLASSES ...

with ROOT/FAMILY/model.pdparams written before; FAMILY is pplcnet,
mobilenet_v3, picodet_legacy or picodet_v2.
"""
import sys

import numpy as np


class DetectorOutputs:
    """A PicoDet whose forward gives the per-level head outputs (what
    ``forward_train`` returns: scores / logits and distributions), so that
    ``paddle.jit.save`` keeps every head weight."""

    @staticmethod
    def wrap(det):
        import paddle

        class Wrapped(paddle.nn.Layer):

            def __init__(self):
                super().__init__()
                self.det = det

            def forward(self, x):
                feats = self.det.neck(self.det.backbone({'image': x}))
                outs = self.det.head.forward_train(feats)
                return [
                    t for part in outs[:2]
                    for t in (part if isinstance(part, (list,
                                                        tuple)) else [part])
                ]

        return Wrapped()


def build(family: str, variant: str, classes: int):
    from mm_pplcnet.reference import paddle as paddle_ref
    if family == 'picodet_legacy':
        return DetectorOutputs.wrap(
            paddle_ref.build_ppdet_picodet_legacy(
                float(variant), num_classes=classes))
    if family == 'picodet_v2':
        from mm_pplcnet.converters import PICODET_SIZES
        return DetectorOutputs.wrap(
            paddle_ref.build_ppdet_picodet(*PICODET_SIZES[variant], classes))
    if family == 'pplcnet':
        return paddle_ref.build_ppcls_pplcnet(
            float(variant), class_num=classes)
    mod = paddle_ref.import_ppcls(
        'ppcls.arch.backbone.legendary_models.mobilenet_v3')
    return getattr(mod, f'MobileNetV3_{variant}')(class_num=classes)


def export(family, variant, classes, folder) -> None:
    """Write ``folder/pir`` (and for classifiers ``folder/old`` and the
    paddle2onnx exports ``folder/{pir,old}.onnx``) from
    ``folder/model.pdparams``."""
    from mm_pplcnet.reference import paddle as paddle_ref
    paddle = paddle_ref.require_paddle()
    state = paddle.load(f'{folder}/model.pdparams')
    size = 320 if family.startswith('picodet') else 224
    spec = [paddle.static.InputSpec([None, 3, size, size], 'float32', 'x')]
    model = build(family, variant, int(classes))
    (model.det
     if family.startswith('picodet') else model).set_state_dict(state)
    model.eval()
    paddle.jit.save(model, f'{folder}/pir/inference', input_spec=spec)
    if family.startswith('picodet'):
        # paddle2onnx 2.1.0 fails on these PIR programs; the static graph
        # of Paddle 2.x is exported for the classifiers only
        return
    _paddle2onnx(f'{folder}/pir/inference.json', f'{folder}/pir.onnx')
    from paddle.pir_utils import OldIrGuard
    multiply = paddle.multiply
    with OldIrGuard():
        # paddle 3.3's paddle.multiply has no old-IR path; Paddle 2.x's
        # elementwise_mul is what x * y records
        paddle.multiply = lambda x, y, name=None: x * y
        paddle.enable_static()
        main_prog, startup = paddle.static.Program(), paddle.static.Program()
        with paddle.static.program_guard(main_prog, startup):
            x = paddle.static.data('x', [None, 3, 224, 224], 'float32')
            model = build(family, variant, int(classes))
            model.eval()
            y = model(x)
        exe = paddle.static.Executor(paddle.CPUPlace())
        exe.run(startup)
        scope = paddle.static.global_scope()
        for key, var in model.state_dict().items():
            scope.find_var(var.name).get_tensor().set(
                np.asarray(state[key]), paddle.CPUPlace())
        paddle.static.save_inference_model(
            f'{folder}/old/inference', [x], [y], exe, program=main_prog)
        paddle.disable_static()
    paddle.multiply = multiply
    _paddle2onnx(f'{folder}/old/inference.pdmodel', f'{folder}/old.onnx')


def _paddle2onnx(model_file: str, dst: str) -> None:
    import paddle2onnx
    stem = model_file.rsplit('.', 1)[0]
    paddle2onnx.export(model_file, stem + '.pdiparams', dst, opset_version=11)


def main(root: str, *jobs: str) -> None:
    for job in jobs:
        family, variant, classes = job.split(':')
        export(family, variant, classes, f'{root}/{family}')


if __name__ == '__main__':
    main(*sys.argv[1:])
