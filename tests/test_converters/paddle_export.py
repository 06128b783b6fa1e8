"""Write a Paddle inference model of a PaddleClas classifier from its
.pdparams, as users get them: ``paddle.jit.save`` (Paddle 3: PIR
``.json`` + ``.pdiparams``) or the static graph of Paddle 2.x
(``.pdmodel`` + ``.pdiparams``, via ``paddle.pir_utils.OldIrGuard``).

Run as a script (a fresh process: the old static graph changes Paddle's
global state):

    python paddle_export.py {pplcnet,mobilenet_v3} SCALE_OR_ARCH CLASSES \
        SRC.pdparams OUT_DIR

writes OUT_DIR/pir/inference.{json,pdiparams} and
OUT_DIR/old/inference.{pdmodel,pdiparams}.
"""
import sys

import numpy as np


def build(family: str, variant: str, classes: int):
    from mm_pplcnet.reference import paddle as paddle_ref
    if family == 'pplcnet':
        return paddle_ref.build_ppcls_pplcnet(
            float(variant), class_num=classes)
    mod = paddle_ref.import_ppcls(
        'ppcls.arch.backbone.legendary_models.mobilenet_v3')
    return getattr(mod, f'MobileNetV3_{variant}')(class_num=classes)


def main(family, variant, classes, src, out_dir) -> None:
    from mm_pplcnet.reference import paddle as paddle_ref
    paddle = paddle_ref.require_paddle()
    state = paddle.load(src)
    spec = [paddle.static.InputSpec([None, 3, 224, 224], 'float32', 'x')]
    model = build(family, variant, int(classes))
    model.set_state_dict(state)
    model.eval()
    paddle.jit.save(model, f'{out_dir}/pir/inference', input_spec=spec)
    out = f'{out_dir}/old/inference'
    from paddle.pir_utils import OldIrGuard
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
            out, [x], [y], exe, program=main_prog)


if __name__ == '__main__':
    main(*sys.argv[1:])
