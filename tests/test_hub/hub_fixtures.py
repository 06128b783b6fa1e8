"""A local HTTP server with Paddle weights the tests generate, and the
``paddle://`` URL table pointed at it (``MM_PPLCNET_PADDLE_MIRROR``)."""
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest

from mm_pplcnet.hub import MIRROR_ENV

paddle_ref = pytest.importorskip('mm_pplcnet.reference.paddle')

__all__ = ['paddle_weights', 'server', 'hub']


class WeightsServer:
    """Serves ``root``'s files on 127.0.0.1; counts GETs per file; files
    named in ``truncate`` are cut to half their size."""

    def __init__(self, root: Path):
        self.root = root
        self.hits = {}
        self.truncate = set()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):

            def do_GET(self):  # noqa: N802
                name = self.path.lstrip('/')
                server.hits[name] = server.hits.get(name, 0) + 1
                path = server.root / name
                if not path.is_file():
                    self.send_error(404)
                    return
                data = path.read_bytes()
                if name in server.truncate:
                    data = data[:len(data) // 2]
                self.send_response(200)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}/'
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope='session')
def paddle_weights(tmp_path_factory):
    """PaddleClas' own PP-LCNet x0.25 and x0.35 with random weights, saved
    with paddle.save under their published names, and their logits on
    two random images."""
    paddle = paddle_ref.require_paddle()
    root = tmp_path_factory.mktemp('paddle_weights')
    images = np.random.default_rng(0).normal(size=(2, 3, 224, 224))
    images = images.astype('float32')
    logits = {}
    for scale, name in ((0.25, 'PPLCNet_x0_25'), (0.35, 'PPLCNet_x0_35')):
        ref = paddle_ref.build_ppcls_pplcnet(scale)
        paddle_ref.randomize_paddle_(ref, seed=int(scale * 100))
        paddle.save(ref.state_dict(),
                    str(root / f'{name}_pretrained.pdparams'))
        logits[name] = paddle_ref.paddle_forward(ref, images)
    return dict(root=root, images=images, logits=logits)


@pytest.fixture
def server(paddle_weights):
    srv = WeightsServer(paddle_weights['root'])
    yield srv
    srv.close()


@pytest.fixture
def hub(tmp_path, monkeypatch, server):
    """An empty torch hub cache and the URL table on the local server."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    monkeypatch.setenv(MIRROR_ENV, server.url)
    return tmp_path / 'torch_home' / 'hub' / 'checkpoints'
