"""numpy arrays from Arrow columns and back through their buffers, without pandas.

pyarrow imports pandas (about 0.2 s and 60 MiB) the first time a process calls `Array.to_numpy`, `pa.array` or
`pa.scalar`, whatever the type: its converters look pandas up for the values they might meet. A batch run needs
neither, so the fixed-width columns it reads and writes (integers, dates, yes/no) go through their buffers here:
measured, a 1,000,000-claim run then never imports pandas. Only what a batch run reads on its common paths is here;
the rarer ones (a malformed value looked up to be named in an error) may still use pyarrow's own converters.
"""
from __future__ import annotations

import numpy as np

_WIDTHS = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}


def _bits(buffer, offset: int, n: int) -> np.ndarray:
    bits = np.unpackbits(np.frombuffer(buffer, dtype=np.uint8), bitorder="little")
    return bits[offset:offset + n].view(bool)


def valid(array) -> np.ndarray:
    """Where the array has a value (not null), as bool."""
    n = len(array)
    bitmap = array.buffers()[0]
    if bitmap is None or not array.null_count:
        return np.ones(n, dtype=bool)
    return _bits(bitmap, array.offset, n)


def values(array, dtype=None) -> np.ndarray:
    """The values of a fixed-width array (integers, dates as days since 1970, booleans) as numpy, with no copy where
    the layout allows; what a null slot holds is unspecified (combine with `valid`)."""
    import pyarrow as pa
    n = len(array)
    t = array.type
    data = array.buffers()[1]
    if pa.types.is_boolean(t):
        return _bits(data, array.offset, n) if n else np.zeros(0, dtype=bool)
    if dtype is None:
        dtype = np.dtype(("u" if pa.types.is_unsigned_integer(t) else "i") + str(t.bit_width // 8))
    if data is None or not n:
        return np.zeros(n, dtype=dtype)
    return np.frombuffer(data, dtype=dtype, count=array.offset + n)[array.offset:]


def dates(array) -> np.ndarray:
    """A date32 array as datetime64[D]."""
    return values(array, np.int32).astype("datetime64[D]")


def filled(array, fill, dtype=None) -> np.ndarray:
    """A fixed-width array's values with `fill` where null."""
    out = values(array, dtype)
    return out if not array.null_count else np.where(valid(array), out, fill)


def arrow_of(data: np.ndarray, arrow_type, present: np.ndarray | None = None):
    """A numpy array of fixed width (integers, datetime64[D] for date32, bool) as an Arrow array of arrow_type, null
    where not `present`."""
    import pyarrow as pa
    n = len(data)
    if pa.types.is_boolean(arrow_type):
        body = pa.py_buffer(np.packbits(np.asarray(data, dtype=bool), bitorder="little").tobytes())
    else:
        width = arrow_type.bit_width // 8
        raw = data.view(np.int64) if data.dtype.kind == "M" else data
        body = pa.py_buffer(np.ascontiguousarray(raw, dtype=_WIDTHS[width]))
    bitmap, nulls = None, 0
    if present is not None and not present.all():
        bitmap = pa.py_buffer(np.packbits(present, bitorder="little").tobytes())
        nulls = int(n - np.count_nonzero(present))
    return pa.Array.from_buffers(arrow_type, n, [bitmap, body], null_count=nulls)


def strings(texts) -> object:
    """A list of str as an Arrow string array."""
    import pyarrow as pa
    encoded = [t.encode("utf-8") for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return pa.Array.from_buffers(pa.string(), len(encoded), [None, pa.py_buffer(offsets),
                                                             pa.py_buffer(b"".join(encoded))])
