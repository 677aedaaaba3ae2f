"""Copying bytes between arrays inside the compiled passes.

A slice assignment between two uint8 arrays (``out[a:b] = data[c:d]``) compiles to a loop over the
bytes, about 1 ns a byte; the passes that copy texts (the COPY reader, the JSON escaping, the chat
examples) copy hundreds of megabytes per build. ``copy_bytes`` is LLVM's ``memcpy`` behind a bounds
check, several times faster on the texts of a chat.

numba caches a compiled pass by the file it is in, and inlines ``copy_bytes`` into it: after a change
here, delete the kernels' ``__pycache__`` so that the passes that use it are compiled again.
"""

import numba
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


def _contiguous_bytes(array: types.Type) -> bool:
    return isinstance(array, types.Array) and array.ndim == 1 and array.dtype == types.uint8 and array.layout == "C"


@intrinsic
def _memcpy(typingctx, destination, destination_start, source, source_start, count):  # pragma: no cover - compiled
    if not (_contiguous_bytes(destination) and destination.mutable and _contiguous_bytes(source)):
        return None
    if not all(isinstance(index, types.Integer) for index in (destination_start, source_start, count)):
        return None
    signature = types.void(destination, destination_start, source, source_start, count)

    def codegen(context, builder, sig, args):
        def address(array_type, array, index_type, index):
            data = context.make_array(array_type)(context, builder, array).data
            return builder.gep(data, [context.cast(builder, index, index_type, types.intp)])

        target = address(sig.args[0], args[0], sig.args[1], args[1])
        origin = address(sig.args[2], args[2], sig.args[3], args[3])
        size = context.cast(builder, args[4], sig.args[4], types.intp)
        cgutils.raw_memcpy(builder, target, origin, size, 1)
        return context.get_dummy_value()

    return signature, codegen


@numba.njit(cache=True, nogil=True, inline="always")
def copy_bytes(destination, destination_start, source, source_start, count):  # pragma: no cover - compiled
    """``destination[destination_start:destination_start + count] = source[source_start:source_start
    + count]`` for two C-contiguous uint8 arrays that do not overlap, the destination writable;
    returns the end in ``destination``. A range outside either array raises ``IndexError`` (nothing
    is copied)."""
    if (
        count < 0
        or destination_start < 0
        or source_start < 0
        or destination_start + count > destination.shape[0]
        or source_start + count > source.shape[0]
    ):
        raise IndexError("copy_bytes: a range outside its array")
    if count:
        _memcpy(destination, destination_start, source, source_start, count)
    return destination_start + count
