"""The reference implementations (PaddleClas / PaddleDetection), for parity
tests and reference timings. Needs ``paddlepaddle`` and the ``paddleclas``
/ ``paddledet`` packages (``scripts/install.sh --tests``)."""
