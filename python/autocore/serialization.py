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

from . import _dtype
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
    raise TypeError(f"autocore.save can store dicts, lists, tuples, numbers, strings and tensors, not "
                    f"{type(obj).__name__}")


def _decode(node, tensors):
    if isinstance(node, dict):
        if "__tensor__" in node:
            return tensors[node["__tensor__"]]
        if "__dict__" in node:
            return OrderedDict((_decode(k, tensors), _decode(v, tensors)) for k, v in node["__dict__"])
        if "__tuple__" in node:
            return tuple(_decode(v, tensors) for v in node["__tuple__"])
        if "__list__" in node:
            return [_decode(v, tensors) for v in node["__list__"]]
        raise RuntimeError("autocore.load: unknown entry in the file's header")
    return node


def save(obj, f):
    """Writes obj to the path f, atomically."""
    tensors = []
    tree = _encode(obj, tensors)
    chunks, entries, offset = [], [], 0
    for t in tensors:
        data = np.ascontiguousarray(t.detach().cpu()._c.numpy()).tobytes()
        entries.append({"dtype": t.dtype.name, "shape": list(t.shape), "offset": offset, "nbytes": len(data),
                        "device": str(t.device)})
        padding = (-len(data)) % _ALIGN
        chunks.append(data + b"\0" * padding)
        offset += len(data) + padding
    payload = b"".join(chunks)
    header = json.dumps({"tree": tree, "tensors": entries, "data_bytes": len(payload),
                         "crc32": zlib.crc32(payload)}).encode()
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
    from .factories import from_numpy
    with open(f, "rb") as source:
        blob = source.read()
    name = os.fspath(f)
    prefix_len = len(MAGIC) + 1 + 8
    if len(blob) < prefix_len or blob[:len(MAGIC)] != MAGIC:
        raise RuntimeError(f"autocore.load: {name} is not an autocore checkpoint (bad magic number)")
    if blob[len(MAGIC)] != VERSION:
        raise RuntimeError(f"autocore.load: {name} has format version {blob[len(MAGIC)]}, expected {VERSION}")
    (header_len,) = struct.unpack("<Q", blob[len(MAGIC) + 1:prefix_len])
    if prefix_len + header_len > len(blob):
        raise RuntimeError(f"autocore.load: {name} is truncated (the header runs past the end of the file)")
    try:
        header = json.loads(blob[prefix_len:prefix_len + header_len])
    except ValueError:
        raise RuntimeError(f"autocore.load: {name} is corrupted (unreadable header)") from None
    payload = blob[prefix_len + header_len:]
    if len(payload) != header.get("data_bytes"):
        raise RuntimeError(f"autocore.load: {name} is truncated ({len(payload)} of {header.get('data_bytes')} data "
                           "bytes)")
    if zlib.crc32(payload) != header.get("crc32"):
        raise RuntimeError(f"autocore.load: {name} is corrupted (data checksum mismatch)")
    tensors = []
    for entry in header["tensors"]:
        dtype = _dtype._NAMES.get(entry["dtype"])
        count = int(np.prod(entry["shape"], dtype=np.int64))
        if dtype is None or entry["nbytes"] != count * dtype.itemsize or \
                entry["offset"] + entry["nbytes"] > len(payload):
            raise RuntimeError(f"autocore.load: {name} is corrupted (bad tensor entry {entry})")
        array = np.frombuffer(payload, dtype=dtype.numpy, count=count, offset=entry["offset"])
        place = map_location if map_location is not None else entry.get("device", "cpu")
        if not isinstance(place, (str, _dtype.device)):
            raise TypeError(f"autocore.load: map_location must be a device or a string, got {type(place).__name__}")
        tensors.append(from_numpy(array.reshape(entry["shape"]).copy()).to(place))
    return _decode(header["tree"], tensors)
