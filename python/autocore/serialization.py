"""autocore.save / autocore.load: state dicts (of modules and optimizers, or any nesting of dicts, lists,
tuples, numbers, strings and tensors) in a format that cannot run code on load: no pickle.

File layout: the magic b"AUTOCORE", a format byte, the header length (8 bytes, little-endian), a JSON header
describing the structure and each tensor's dtype, shape and byte range, then the raw tensor bytes, each
64-byte aligned. The header carries a CRC-32 of the data, so truncation or corruption is detected. Saving
writes a temporary file beside the target and renames it over the target, so a crash mid-save leaves the
previous checkpoint intact."""

import json
import os
import struct
import tempfile
import zlib
from collections import OrderedDict

import numpy as np

from . import _C, _dtype
from .tensor import Tensor

MAGIC = b"AUTOCORE"
VERSION = 1
_ALIGN = 64


def _encode(obj, tensors):
    if isinstance(obj, Tensor):
        tensors.append(obj)
        return {"__tensor__": len(tensors) - 1}
    if isinstance(obj, dict):
        return {"__dict__": [[_encode(k, tensors), _encode(v, tensors)] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, tensors) for v in obj]}
    if isinstance(obj, list):
        return {"__list__": [_encode(v, tensors) for v in obj]}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(
        f"autocore.save can store dicts, lists, tuples, numbers, strings and tensors, not {type(obj).__name__}"
    )


class _Corrupted(Exception):
    """A header that parsed as JSON but does not describe a checkpoint; load reports it as corruption."""


def _decode(node, tensors):
    if isinstance(node, dict):
        if len(node) != 1:
            raise _Corrupted("an entry with several keys")
        ((kind, value),) = node.items()
        if kind == "__tensor__":
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < len(tensors):
                raise _Corrupted(f"a reference to tensor {value!r} of {len(tensors)}")
            return tensors[value]
        if kind in ("__dict__", "__tuple__", "__list__") and not isinstance(value, list):
            raise _Corrupted(f"{kind} holding {type(value).__name__}")
        if kind == "__dict__":
            if not all(isinstance(pair, list) and len(pair) == 2 for pair in value):
                raise _Corrupted("a dict entry that is not a key-value pair")
            try:
                return OrderedDict((_decode(k, tensors), _decode(v, tensors)) for k, v in value)
            except TypeError:  # an unhashable key
                raise _Corrupted("a dict key that cannot be a key") from None
        if kind == "__tuple__":
            return tuple(_decode(v, tensors) for v in value)
        if kind == "__list__":
            return [_decode(v, tensors) for v in value]
        raise _Corrupted(f"an unknown entry {kind!r}")
    if isinstance(node, list):
        raise _Corrupted("a bare list")
    return node


def _tensor_entry(entry, payload_len):
    """(dtype, shape, offset) of a header's tensor entry, every field checked against the payload's size."""
    if not isinstance(entry, dict):
        raise _Corrupted(f"tensor entry {entry!r}")
    dtype = _dtype._NAMES.get(entry.get("dtype")) if isinstance(entry.get("dtype"), str) else None
    shape, offset, nbytes = entry.get("shape"), entry.get("offset"), entry.get("nbytes")

    def count(n):
        return isinstance(n, int) and not isinstance(n, bool) and n >= 0

    if (
        dtype is None
        or not isinstance(shape, list)
        or not all(count(n) for n in shape)
        or len(shape) > 64
        or not count(offset)
        or not count(nbytes)
    ):
        raise _Corrupted(f"tensor entry {entry}")
    numel = 1
    for n in shape:  # Python integers: a product of huge dims cannot wrap around to something small
        numel *= n
    if nbytes != numel * dtype.itemsize or offset + nbytes > payload_len:
        raise _Corrupted(f"tensor entry {entry} (the data holds {payload_len} bytes)")
    device = entry.get("device", "cpu")
    if not isinstance(device, str):
        raise _Corrupted(f"tensor entry {entry}")
    return dtype, shape, offset, numel, device


def _bits(c):
    """The C++ tensor as numpy can hold it: bfloat16's bits as int16."""
    return c.view_dtype(_C.DType.int16) if c.dtype == _C.DType.bfloat16 else c


def save(obj, f):
    """Writes obj to the path f, atomically."""
    tensors = []
    tree = _encode(obj, tensors)
    chunks, entries, offset = [], [], 0
    for t in tensors:
        data = np.ascontiguousarray(_bits(t.detach().cpu()._c).numpy()).tobytes()
        entries.append(
            {
                "dtype": t.dtype.name,
                "shape": list(t.shape),
                "offset": offset,
                "nbytes": len(data),
                "device": str(t.device),
            }
        )
        padding = (-len(data)) % _ALIGN
        chunks.append(data + b"\0" * padding)
        offset += len(data) + padding
    payload = b"".join(chunks)
    header = json.dumps(
        {"tree": tree, "tensors": entries, "data_bytes": len(payload), "crc32": zlib.crc32(payload)}
    ).encode()
    prefix_len = len(MAGIC) + 1 + 8
    header += b" " * ((-(prefix_len + len(header))) % _ALIGN)
    blob = MAGIC + bytes([VERSION]) + struct.pack("<Q", len(header)) + header + payload
    directory = os.path.dirname(os.path.abspath(f))
    fd, tmp = tempfile.mkstemp(prefix=".autocore-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(blob)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, f)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(f, map_location=None):
    """Reads what save wrote; raises RuntimeError naming the problem for truncated or corrupted files.
    Tensors return to the device they were saved from, or to `map_location` ("cpu", "cuda:0", a device)."""

    with open(f, "rb") as source:
        blob = source.read()
    name = os.fspath(f)
    prefix_len = len(MAGIC) + 1 + 8
    if len(blob) < prefix_len or blob[: len(MAGIC)] != MAGIC:
        raise RuntimeError(f"autocore.load: {name} is not an autocore checkpoint (bad magic number)")
    if blob[len(MAGIC)] != VERSION:
        raise RuntimeError(f"autocore.load: {name} has format version {blob[len(MAGIC)]}, expected {VERSION}")
    (header_len,) = struct.unpack("<Q", blob[len(MAGIC) + 1 : prefix_len])
    if prefix_len + header_len > len(blob):
        raise RuntimeError(f"autocore.load: {name} is truncated (the header runs past the end of the file)")
    try:
        header = json.loads(blob[prefix_len : prefix_len + header_len])
    except (ValueError, RecursionError):
        raise RuntimeError(f"autocore.load: {name} is corrupted (unreadable header)") from None
    if not isinstance(header, dict):
        raise RuntimeError(f"autocore.load: {name} is corrupted (the header is not a JSON object)")
    payload = blob[prefix_len + header_len :]
    if len(payload) != header.get("data_bytes"):
        raise RuntimeError(
            f"autocore.load: {name} is truncated ({len(payload)} of {header.get('data_bytes')} data bytes)"
        )
    if zlib.crc32(payload) != header.get("crc32"):
        raise RuntimeError(f"autocore.load: {name} is corrupted (data checksum mismatch)")
    if map_location is not None and not isinstance(map_location, (str, _dtype.device)):
        raise TypeError(f"autocore.load: map_location must be a device or a string, got {type(map_location).__name__}")
    try:
        if not isinstance(header.get("tensors"), list) or "tree" not in header:
            raise _Corrupted("a header without its tree and tensor list")
        entries = [_tensor_entry(entry, len(payload)) for entry in header["tensors"]]
        tensors = []
        for dtype, shape, offset, numel, device in entries:
            stored = np.int16 if dtype is _dtype.bfloat16 else dtype.numpy
            array = np.frombuffer(payload, dtype=stored, count=numel, offset=offset).reshape(shape)
            place = map_location if map_location is not None else device
            tensors.append(Tensor._wrap(_C.from_numpy(array.copy()).view_dtype(dtype._c)).to(place))
        return _decode(header["tree"], tensors)
    except (_Corrupted, RecursionError) as error:
        why = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise RuntimeError(f"autocore.load: {name} is corrupted ({why})") from None
