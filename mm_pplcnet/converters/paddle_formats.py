"""Read Paddle weights in every format people hold, without Paddle and
without running code from the file.

Formats (see docs/paddle_weights.md):

- ``.pdparams`` (``paddle.save`` of a state dict): a pickle. It is read
  by :class:`PaddleUnpickler`, which admits only what ``paddle.save``
  writes (numpy arrays, dtypes, scalars, plain containers; see
  ``paddle/framework/io.py::_build_saved_state_dict``) and refuses any
  other global by name, so a file with a ``__reduce__`` payload runs
  nothing. ``trust_pickle=True`` is the explicit opt-in for other pickles.
- Paddle inference models: ``*.pdiparams`` (``save_combine``: one
  serialized LoDTensor per persistable variable, in sorted name order)
  next to ``*.pdmodel`` (a ``ProgramDesc`` protobuf, read with a minimal
  wire-format reader) or Paddle 3's ``*.json`` (a PIR program, read with
  :mod:`json`). The names and shapes come from the program.
- ONNX files exported by paddle2onnx: initializers and ``Constant`` nodes,
  read with the ``onnx`` package (protobuf parsing only).

Inference models and ONNX files keep Paddle's automatic parameter names
(``conv2d_3.w_0``); :mod:`.paddle_names` maps them to the structured keys.
"""
import json
import os.path as osp
import pickle
import re
import struct
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from .paddle_names import is_automatic

PADDLE_EXTRA_KEY = 'StructuredToParameterName@@'
_BIG_PARAM_KEY = 'UnpackBigParamInfor@@'
FORMATS = ('pdparams', 'pdmodel', 'json', 'onnx')

# what paddle.save writes: module -> admitted names
_PICKLE_ALLOWED = {
    'collections': {'OrderedDict'},
    'builtins': {'tuple', 'list', 'dict', 'set', 'frozenset', 'slice'},
    'numpy': {'ndarray', 'dtype'},
    'numpy.core.multiarray': {'_reconstruct', 'scalar'},
    'numpy._core.multiarray': {'_reconstruct', 'scalar'},
    'numpy.dtypes': None,  # the dtype classes (Float32DType, ...)
    # protocol 2 (older paddle.save) pickles bytes as encode(str, latin1)
    '_codecs': {'encode'},
}
# Paddle's VarType / DataType codes (framework.proto, phi DataType)
_PROTO_DTYPES = {
    0: 'bool',
    1: 'int16',
    2: 'int32',
    3: 'int64',
    4: 'float16',
    5: 'float32',
    6: 'float64',
    20: 'uint8',
    21: 'int8',
    22: 'uint16',  # bfloat16 bits
}
_PIR_DTYPES = {
    't_f32': 'float32',
    't_f64': 'float64',
    't_f16': 'float16',
    't_bf16': 'uint16',
    't_i64': 'int64',
    't_i32': 'int32',
    't_i16': 'int16',
    't_i8': 'int8',
    't_ui8': 'uint8',
    't_bool': 'bool',
}


class UnsafePickleError(pickle.UnpicklingError, ValueError):
    """A pickle asks for a global that ``paddle.save`` never writes."""


class PaddleUnpickler(pickle.Unpickler):
    """An unpickler that admits only what ``paddle.save`` writes.

    Numpy arrays (``_reconstruct`` + ``ndarray`` + ``dtype``), numpy
    scalars, ``OrderedDict`` and plain builtin containers; any other global
    (``os.system``, ``builtins.eval``, a class) raises
    :class:`UnsafePickleError` naming it, before anything is called.
    """

    def find_class(self, module: str, name: str):
        allowed = _PICKLE_ALLOWED.get(module, ())
        if allowed is None or name in allowed:
            if allowed is None and not name.endswith('DType'):
                raise UnsafePickleError(
                    f'refused global {module}.{name}: not a numpy dtype')
            return super().find_class(module, name)
        raise UnsafePickleError(
            f'refused global {module}.{name}: paddle.save writes only numpy '
            'arrays, dtypes and plain containers')


@dataclass
class PaddleParams:
    """Parameters read from a Paddle file.

    Attributes:
        params (OrderedDict[str, np.ndarray]): Name to array.
        fmt (str): One of ``FORMATS``.
        path (str): The file read (the model file for inference models).
        automatic (bool): Names are Paddle's automatic ones
            (``conv2d_0.w_0``) rather than structured keys.
        metadata (dict): Extra text (ONNX metadata such as the class
            names of paddle2onnx exports, key ``character``).
    """
    params: 'OrderedDict[str, np.ndarray]'
    fmt: str
    path: str
    automatic: bool
    metadata: Dict[str, str] = field(default_factory=dict)


# PyTorch checkpoints (torch.save writes a zip: b'PK' first)
TORCH_EXTENSIONS = ('.pth', '.pt', '.bin', '.ckpt', '.safetensors')
# Paddle files by extension: the format each one is read as
PADDLE_FORMAT_OF_EXT = {
    '.pdparams': 'pdparams',
    '.pdmodel': 'pdmodel',
    '.json': 'json',
    '.onnx': 'onnx',
    '.pdiparams': 'pdiparams'
}


def is_torch_file(path: str, head: bytes) -> bool:
    """Whether a file is a PyTorch checkpoint, by its name or its first
    bytes (``head``: ``torch.save``'s zip starts with ``PK``)."""
    return (osp.splitext(path)[1].lower() in TORCH_EXTENSIONS
            or head[:2] == b'PK')


def _bad(path: str, what: str, err: Optional[BaseException] = None):
    detail = f': {type(err).__name__}: {err}' if err is not None else ''
    return ValueError(f'{path} is not a {what}{detail}')


def _check_nonempty(path: str, what: str) -> None:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} {path!r} does not exist')
    if osp.getsize(path) == 0:
        raise ValueError(f'{path} is empty (0 bytes), not a {what}: '
                         'download or export it again')


def read_pdparams(
        path: str,
        trust_pickle: bool = False) -> 'OrderedDict[str, np.ndarray]':
    """Read a ``.pdparams`` file (``paddle.save`` of a state dict).

    Args:
        path (str): Local file.
        trust_pickle (bool): Unpickle with the plain :mod:`pickle` (runs
            whatever the file says; only for files you trust). Defaults to
            False: only what ``paddle.save`` writes is admitted.

    Returns:
        OrderedDict: Structured key to array, without Paddle's
        bookkeeping key; arrays split by ``paddle.save`` (> 4 GB) joined.

    Raises:
        UnsafePickleError: The file asks for another global (named).
        ValueError: Not a pickle, truncated, or not a dict of arrays.
    """
    what = 'Paddle .pdparams file (a pickled dict of arrays)'
    _check_nonempty(path, 'Paddle .pdparams file')
    with open(path, 'rb') as f:
        # torch.save's zip (whatever the name), or a PyTorch file name
        if is_torch_file(path, f.read(2)):
            raise ValueError(
                f'{path} is a PyTorch checkpoint, not a {what}: a '
                "timm state dict is converted with the 'timm' source "
                "('... timm SRC DST')")
        f.seek(0)
        try:
            if trust_pickle:
                obj = pickle.load(f, encoding='latin1')
            else:
                obj = PaddleUnpickler(f, encoding='latin1').load()
        except UnsafePickleError as err:
            raise UnsafePickleError(
                f'{path}: {err}. This is not a plain Paddle state dict and '
                'unpickling it could run code. If you trust the file, pass '
                'trust_pickle=True (tools: --trust-pickle).') from err
        except Exception as err:
            raise _bad(path, what, err) from err
    if not isinstance(obj, dict):
        raise ValueError(f'{path} holds a {type(obj).__name__}, not the '
                         'dict of arrays of a .pdparams file')
    obj.pop(PADDLE_EXTRA_KEY, None)
    big = obj.pop(_BIG_PARAM_KEY, None) or {}
    for key, info in big.items():
        parts = [obj.pop(name) for name in info['slices']]
        obj[key] = np.concatenate([np.ravel(p) for p in parts
                                   ]).reshape(info['OriginShape'])
    out = OrderedDict()
    for key, value in obj.items():
        if not isinstance(value, np.ndarray) and not np.isscalar(value):
            raise ValueError(f'{path}: entry {key!r} is a '
                             f'{type(value).__name__}, not an array: not a '
                             'Paddle state dict')
        out[str(key)] = np.asarray(value)
    if not out:
        raise ValueError(f'{path} holds no arrays')
    return out


# ----------------------------------------------------------- protobuf
def _varint(buf: bytes, pos: int) -> Tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= len(buf):
            raise ValueError('truncated varint')
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 70:
            raise ValueError('varint too long')


def _fields(buf: bytes) -> List[Tuple[int, object]]:
    """Decode one protobuf message level: ``[(field number, value)]``;
    varints as int, length-delimited fields as bytes (fixed-size ones
    skipped)."""
    out, pos = [], 0
    while pos < len(buf):
        tag, pos = _varint(buf, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 2:
            size, pos = _varint(buf, pos)
            if pos + size > len(buf):
                raise ValueError('truncated field')
            value, pos = buf[pos:pos + size], pos + size
        elif wire == 1:
            value, pos = None, pos + 8
        elif wire == 5:
            value, pos = None, pos + 4
        else:
            raise ValueError(f'unsupported wire type {wire}')
        out.append((number, value))
    if pos != len(buf):
        raise ValueError('truncated message')
    return out


def _ints(values: List[object]) -> List[int]:
    """Repeated int64 fields, packed or not; negative ones decoded."""
    out = []
    for value in values:
        if isinstance(value, bytes):
            pos = 0
            while pos < len(value):
                v, pos = _varint(value, pos)
                out.append(v)
        else:
            out.append(value)
    return [v - (1 << 64) if v >= 1 << 63 else v for v in out]


def _tensor_desc(buf: bytes) -> Tuple[str, List[int]]:
    """``TensorDesc {data_type = 1; dims = 2}`` -> (dtype, dims)."""
    fields = _fields(buf)
    dtype = [v for n, v in fields if n == 1]
    if not dtype or dtype[0] not in _PROTO_DTYPES:
        raise ValueError(f'unknown tensor data type {dtype}')
    return _PROTO_DTYPES[dtype[0]], _ints([v for n, v in fields if n == 2])


def read_pdmodel_params(path: str) -> 'OrderedDict[str, tuple]':
    """Persistable variables of a ``.pdmodel`` (``ProgramDesc``).

    ``ProgramDesc.blocks[0].vars``: ``VarDesc {name = 1; type = 2
    (VarType {type = 1; dense_tensor = 3 {tensor = 1 (TensorDesc)}});
    persistable = 3}``.

    Args:
        path (str): The ``.pdmodel`` file.

    Returns:
        OrderedDict: Name to ``(dtype, shape)`` of each parameter (feed,
        fetch and non-tensor variables left out).
    """
    _check_nonempty(path, 'Paddle .pdmodel file')
    with open(path, 'rb') as f:
        buf = f.read()
    try:
        blocks = [v for n, v in _fields(buf) if n == 1]
        if not blocks:
            raise ValueError('no program blocks')
        out = OrderedDict()
        for number, var in _fields(blocks[0]):
            if number != 3:  # BlockDesc.vars
                continue
            fields = _fields(var)
            name = next(v for n, v in fields if n == 1).decode()
            persistable = any(n == 3 and v for n, v in fields)
            vtype = next((v for n, v in fields if n == 2), b'')
            vfields = _fields(vtype)
            kind = next((v for n, v in vfields if n == 1), None)
            dense = next((v for n, v in vfields if n == 3), None)
            if not persistable or kind != 7 or dense is None:
                continue  # 7: DENSE_TENSOR (LOD_TENSOR)
            tensor = next(v for n, v in _fields(dense) if n == 1)
            out[name] = _tensor_desc(tensor)
    except (ValueError, StopIteration, UnicodeDecodeError) as err:
        raise _bad(path, 'Paddle .pdmodel file (ProgramDesc protobuf)',
                   err) from err
    if not out:
        raise ValueError(f'{path}: the program has no parameters: not a '
                         'Paddle inference model?')
    return out


def read_pir_json_params(path: str) -> 'OrderedDict[str, tuple]':
    """Parameters of a Paddle 3 PIR program (``inference.json``).

    Parameter ops (``"#": "p"``) hold the name as the last of ``"A"`` and
    the type in ``"O"."TT"."D"`` = ``[dtype, shape, layout, lod,
    offset]``.

    Args:
        path (str): The ``.json`` file.

    Returns:
        OrderedDict: Name to ``(dtype, shape)``.
    """
    _check_nonempty(path, 'Paddle 3 inference .json file')
    try:
        with open(path, 'rb') as f:
            doc = json.load(f)
        if doc.get('base_code', {}).get('magic') != 'pir':
            raise ValueError('no "base_code": {"magic": "pir"}')
        ops = doc['program']['regions'][0]['blocks'][0]['ops']
        out = OrderedDict()
        for op in ops:
            if op.get('#') != 'p':
                continue
            name = op['A'][-1]
            desc = op['O']['TT']['D']
            dtype = desc[0]['#'].split('.', 1)[-1]
            if dtype not in _PIR_DTYPES:
                raise ValueError(f'parameter {name}: unknown dtype {dtype}')
            out[str(name)] = (_PIR_DTYPES[dtype], [int(d) for d in desc[1]])
    except (ValueError, KeyError, IndexError, TypeError, AttributeError,
            UnicodeDecodeError) as err:
        raise _bad(path, 'Paddle 3 inference .json file (PIR program)',
                   err) from err
    if not out:
        raise ValueError(f'{path}: the program has no parameters')
    return out


def read_pdiparams(
        path: str, variables: 'OrderedDict[str, tuple]'
) -> 'OrderedDict[str, np.ndarray]':
    """Read a combined ``.pdiparams`` file.

    ``save_combine`` writes the variables in sorted name order, each as:
    uint32 version, uint64 LoD level count, per level uint64 byte size and
    offsets, uint32 tensor version, int32 size of a ``TensorDesc``
    protobuf, the ``TensorDesc``, the raw little-endian data.

    Args:
        path (str): The ``.pdiparams`` file.
        variables (OrderedDict): Name to ``(dtype, shape)`` from the model
            file; each tensor read is checked against it.

    Returns:
        OrderedDict: Name to array, in the model file's order.
    """
    what = 'Paddle .pdiparams file (combined LoDTensors)'
    _check_nonempty(path, 'Paddle .pdiparams file')
    with open(path, 'rb') as f:
        buf = f.read()
    out, pos = {}, 0
    names = sorted(variables)
    try:
        for name in names:
            (version, ) = struct.unpack_from('<I', buf, pos)
            (levels, ) = struct.unpack_from('<Q', buf, pos + 4)
            pos += 12
            if version != 0 or levels > 8:
                raise ValueError(f'bad header at byte {pos - 12}')
            for _ in range(levels):
                (size, ) = struct.unpack_from('<Q', buf, pos)
                pos += 8 + size
            tversion, desc_size = struct.unpack_from('<Ii', buf, pos)
            pos += 8
            if tversion != 0 or not 0 < desc_size < 1 << 16:
                raise ValueError(f'bad tensor header at byte {pos - 8}')
            dtype, dims = _tensor_desc(buf[pos:pos + desc_size])
            pos += desc_size
            want_dtype, want_dims = variables[name]
            if (dtype, list(dims)) != (want_dtype, list(want_dims)):
                raise ValueError(
                    f'{name}: the file has {dtype} {dims}, the model says '
                    f'{want_dtype} {list(want_dims)}')
            count = int(np.prod(dims)) if dims else 1
            nbytes = count * np.dtype(dtype).itemsize
            if pos + nbytes > len(buf):
                raise ValueError(f'{name}: data truncated')
            out[name] = np.frombuffer(
                buf, dtype, count, offset=pos).reshape(dims).copy()
            pos += nbytes
    except (ValueError, struct.error) as err:
        raise _bad(path, what, err) from err
    if pos != len(buf):
        raise ValueError(f'{path}: {len(buf) - pos} bytes after the last of '
                         f'the {len(names)} parameters the model file '
                         'names: the model and parameter files do not belong '
                         'together')
    return OrderedDict((name, out[name]) for name in variables)


# ---------------------------------------------------------------- ONNX
_ONNX_PARAM = re.compile(r'^[A-Za-z][\w]*?_\d+\.[wb]_\d+(_deepcopy_\d+)?$')


def read_onnx_params(
        path: str) -> Tuple['OrderedDict[str, np.ndarray]', Dict[str, str]]:
    """Weights of a paddle2onnx export: initializers and ``Constant``
    nodes whose names are Paddle parameter names.

    Args:
        path (str): The ``.onnx`` file.

    Returns:
        tuple: (name to array, the model's metadata properties).
    """
    import onnx
    from onnx import numpy_helper

    _check_nonempty(path, 'ONNX file')
    try:
        model = onnx.load(path)
    except Exception as err:  # onnx raises DecodeError and others
        raise _bad(path, 'ONNX file', err) from err
    if not model.graph.node:
        raise ValueError(f'{path} is not a valid ONNX file: no graph nodes')
    out = OrderedDict()
    for init in model.graph.initializer:
        if _ONNX_PARAM.match(init.name):
            out[init.name] = numpy_helper.to_array(init)
    for node in model.graph.node:
        if node.op_type != 'Constant' or not _ONNX_PARAM.match(node.output[0]):
            continue
        value = next((a for a in node.attribute if a.name == 'value'), None)
        if value is not None:
            out[node.output[0]] = numpy_helper.to_array(value.t)
    if not out:
        raise ValueError(
            f'{path}: no weights with Paddle parameter names (conv2d_0.w_0 '
            '...) in the ONNX file: not a paddle2onnx export?')
    meta = {p.key: p.value for p in model.metadata_props}
    return out, meta


def _sibling(path: str, exts: Tuple[str, ...]) -> Optional[str]:
    stem = osp.splitext(path)[0]
    return next((stem + e for e in exts if osp.isfile(stem + e)), None)


def sniff_format(path: str) -> str:
    """Which Paddle format a file is, from its name and first bytes.

    Args:
        path (str): A local file or an inference-model folder.

    Returns:
        str: One of ``FORMATS``.
    """
    if osp.isdir(path):
        found = [
            osp.join(path, f'inference{e}') for e in ('.json', '.pdmodel')
            if osp.isfile(osp.join(path, f'inference{e}'))
        ]
        if not found:
            raise FileNotFoundError(
                f'{path} is a folder without inference.json or '
                'inference.pdmodel: pass the model or weights file')
        return sniff_format(found[0])
    _check_nonempty(path, 'weights file')
    ext = osp.splitext(path)[1].lower()
    if ext in PADDLE_FORMAT_OF_EXT:
        return PADDLE_FORMAT_OF_EXT[ext]
    with open(path, 'rb') as f:
        head = f.read(64)
    if is_torch_file(path, head):
        raise ValueError(
            f'{path} is a PyTorch file, not Paddle weights: a timm state '
            "dict is converted with the 'timm' source (PP-LCNet / "
            "PP-LCNetV2 converters: '... timm SRC DST'); Paddle sources are "
            '.pdparams, .pdmodel / .json + .pdiparams or .onnx files')
    if head[:1] == b'\x80':
        return 'pdparams'
    if head.lstrip()[:1] == b'{':
        return 'json'
    raise ValueError(
        f'cannot tell the format of {path}: expected a .pdparams training '
        'file, a .pdmodel / .json + .pdiparams inference model or a '
        '.onnx export (by file extension)')


def load_paddle_params(src: str, trust_pickle: bool = False) -> PaddleParams:
    """Read the parameters of a Paddle file of any supported format.

    Args:
        src (str): Path or URL of a ``.pdparams``, a ``.pdmodel`` or
            ``.json`` inference model (its ``.pdiparams`` beside it; the
            ``.pdiparams`` or the folder may be given instead) or an
            ``.onnx`` export.
        trust_pickle (bool): For ``.pdparams``: unpickle without
            restrictions (see :func:`read_pdparams`). Defaults to False.

    Returns:
        PaddleParams: The parameters and where they came from.
    """
    from .common import fetch

    path = fetch(src) if '://' in src else src
    if osp.isdir(path):
        stem = osp.join(path, 'inference')
        path = _sibling(stem, ('.json', '.pdmodel')) or path
    fmt = sniff_format(path)
    if fmt == 'pdparams':
        # paddle.save of a state dict has structured keys; static-graph
        # saves (paddle.static.save) the automatic names
        params = read_pdparams(path, trust_pickle)
        return PaddleParams(params, fmt, path, is_automatic(list(params)))
    if fmt == 'onnx':
        params, meta = read_onnx_params(path)
        return PaddleParams(params, fmt, path, True, meta)
    if fmt == 'pdiparams':
        model = _sibling(path, ('.json', '.pdmodel'))
        if model is None:
            raise FileNotFoundError(
                f'{path}: no .json or .pdmodel model file beside it; a '
                '.pdiparams file holds no names and needs its model file')
        path, fmt = model, model.rsplit('.', 1)[1]
    weights = _sibling(path, ('.pdiparams', ))
    if weights is None:
        raise FileNotFoundError(
            f'{path}: no {osp.splitext(path)[0]}.pdiparams beside the model '
            'file (an inference model is a model file plus its weights)')
    variables = (
        read_pdmodel_params(path)
        if fmt == 'pdmodel' else read_pir_json_params(path))
    return PaddleParams(read_pdiparams(weights, variables), fmt, path, True)
