#!/usr/bin/python3
"""scripts/torch_export.py: convert a PyTorch checkpoint (.pt) into a safetensors file for srm.

Usage (Debian's python3-torch; the `python3` on PATH may lack torch):
    /usr/bin/python3 scripts/torch_export.py IN.pt OUT.safetensors [--key K] [--prefix P]
        [--dtype keep|f32|f64] [--meta k=v ...] [--unsafe]

IN.pt is read with torch.load(IN, map_location="cpu", weights_only=True). It may hold a plain
state dict (name -> tensor) or a dict that holds one under a key: --key K, or else, when the
top-level values are not all tensors, the first of "state_dict", "model_state_dict", "model".
A whole nn.Module saved with torch.save needs a full unpickling, which runs code from the file:
only with --unsafe (and a warning) does a failed weights_only load fall back to
weights_only=False; the module's state_dict() is exported then.

--prefix P keeps only the tensors whose names start with P, under their full names. Every tensor
is written contiguous, from the CPU, in its own dtype (F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL);
--dtype f32 or f64 converts the floating ones. Values that are not tensors are skipped, with a
note on stderr. The metadata is srm_export_source (IN's file name), srm_export_torch (the torch
version) and the --meta k=v pairs, nothing else.

Exit status: 0 when OUT is written; 2, with a one-line message on stderr, on any error (a missing
or unreadable file, not a state dict, no tensors, a dtype safetensors lacks).

write_safetensors(path, named_tensors, metadata) is importable: the test fixture generators use
it (tests/ref/make_torch_fixtures.py). Depends on torch and the standard library only.
"""
import argparse
import collections.abc
import ctypes
import json
import os
import struct
import sys

import torch

PROG = "torch_export"
STATE_KEYS = ("state_dict", "model_state_dict", "model")
DTYPES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
}


class ExportError(Exception):
    """An error reported as one line on stderr, with exit status 2."""


def tensor_bytes(t):
    """The raw little-endian bytes of tensor t (copied to a contiguous CPU tensor first)."""
    t = t.detach().cpu().contiguous()
    if t.numel() == 0:
        return b""
    if sys.byteorder == "big" and t.element_size() > 1:
        t = t.view(torch.uint8).reshape(-1, t.element_size()).flip(1).contiguous()
    return ctypes.string_at(t.data_ptr(), t.numel() * t.element_size())


def write_safetensors(path, named_tensors, metadata=None):
    """Write named_tensors (a mapping or (name, tensor) pairs) to path as safetensors.

    Each tensor keeps its dtype (see DTYPES), in the order given, contiguous; metadata is a
    dict of str -> str (omitted when empty). The file is written under a temporary name and
    renamed into place. Raises ValueError for an unsupported dtype, a
    duplicate or reserved name, or metadata that is not str -> str.
    """
    if isinstance(named_tensors, collections.abc.Mapping):
        named_tensors = named_tensors.items()
    header, blobs, offset = {}, [], 0
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise ValueError("metadata must map str to str: %r -> %r" % (k, v))
        header["__metadata__"] = dict(metadata)
    for name, t in named_tensors:
        if not isinstance(name, str) or name == "__metadata__" or name in header:
            raise ValueError("bad or duplicate tensor name %r" % (name,))
        if t.dtype not in DTYPES:
            raise ValueError("tensor %r has dtype %s, which safetensors lacks" % (name, t.dtype))
        if t.layout != torch.strided:
            raise ValueError("tensor %r is not dense (layout %s)" % (name, t.layout))
        data = tensor_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # pad the header with spaces: the data starts 8-aligned
    tmp = "%s.tmp%d" % (path, os.getpid())  # written whole, then renamed: no partial OUT
    try:
        with open(tmp, "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for b in blobs:
                f.write(b)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def one_line(e):
    lines = str(e).strip().splitlines()
    return "%s: %s" % (type(e).__name__, lines[0]) if lines else type(e).__name__


def load(path, unsafe):
    """torch.load with weights_only=True; weights_only=False only as --unsafe's fallback."""
    if not os.path.isfile(path):
        raise ExportError("%s: no such file" % path)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001  (torch raises many kinds here)
        safe_error = e
    if not unsafe:
        raise ExportError("%s: cannot load with weights_only=True (%s); if you trust the file, "
                          "rerun with --unsafe" % (path, one_line(safe_error)))
    print("%s: warning: %s: weights_only=True failed (%s); loading with weights_only=False, "
          "which runs code from the file" % (PROG, path, one_line(safe_error)), file=sys.stderr)
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:  # noqa: BLE001
        raise ExportError("%s: cannot load (%s)" % (path, one_line(e))) from e


def state_dict_of(obj, key):
    """The state dict in a loaded checkpoint: the object, obj[key], or obj under STATE_KEYS."""
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    if not isinstance(obj, collections.abc.Mapping):
        raise ExportError("not a state dict: the checkpoint holds a %s" % type(obj).__name__)
    if key is not None:
        if key not in obj:
            raise ExportError("no key %r in the checkpoint (keys: %s)"
                              % (key, ", ".join(map(repr, list(obj)[:10]))))
        obj = obj[key]
    elif not all(isinstance(v, torch.Tensor) for v in obj.values()):
        for k in STATE_KEYS:
            if k in obj and isinstance(obj[k], (collections.abc.Mapping, torch.nn.Module)):
                print("%s: note: using the state dict under %r" % (PROG, k), file=sys.stderr)
                obj = obj[k]
                break
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    if not isinstance(obj, collections.abc.Mapping):
        raise ExportError("not a state dict: %r holds a %s" % (key, type(obj).__name__))
    return obj


def select(sd, prefix, dtype):
    """(name, tensor) pairs of sd: tensors only, under prefix, converted to dtype if floating."""
    out, nested = [], []
    for name, v in sd.items():
        if not isinstance(v, torch.Tensor):
            print("%s: note: skipping %r (%s, not a tensor)" % (PROG, name, type(v).__name__),
                  file=sys.stderr)
            if isinstance(v, collections.abc.Mapping):
                nested.append(repr(name))
            continue
        if prefix is not None and not str(name).startswith(prefix):
            continue
        if dtype is not None and v.is_floating_point():
            v = v.to(dtype)
        out.append((str(name), v))
    if not out:
        hint = "; --key %s may name the state dict" % " or ".join(nested) if nested else ""
        raise ExportError("no tensors to write" +
                          (" with the prefix %r" % prefix if prefix is not None else "") + hint)
    return out


def parse_meta(pairs):
    meta = {}
    for p in pairs:
        k, eq, v = p.partition("=")
        if not eq or not k:
            raise ExportError("--meta %r: expected k=v" % p)
        if k in ("srm_export_source", "srm_export_torch"):
            raise ExportError("--meta %r: %s is set by the exporter" % (p, k))
        meta[k] = v
    return meta


def main(argv=None):
    ap = argparse.ArgumentParser(prog=PROG, description="PyTorch checkpoint -> safetensors.")
    ap.add_argument("input", metavar="IN.pt")
    ap.add_argument("output", metavar="OUT.safetensors")
    ap.add_argument("--key", help="the key that holds the state dict")
    ap.add_argument("--prefix", help="keep only tensors whose names start with PREFIX")
    ap.add_argument("--dtype", choices=("keep", "f32", "f64"), default="keep",
                    help="convert floating tensors (default: keep each tensor's dtype)")
    ap.add_argument("--meta", nargs="+", action="extend", default=[], metavar="K=V",
                    help="extra metadata pairs")
    ap.add_argument("--unsafe", action="store_true",
                    help="allow weights_only=False (runs code from the file) if the safe load "
                    "fails")
    args = ap.parse_args(argv)
    dtype = {"keep": None, "f32": torch.float32, "f64": torch.float64}[args.dtype]
    try:
        meta = {"srm_export_source": os.path.basename(args.input),
                "srm_export_torch": str(torch.__version__)}
        meta.update(parse_meta(args.meta))
        tensors = select(state_dict_of(load(args.input, args.unsafe), args.key),
                         args.prefix, dtype)
        write_safetensors(args.output, tensors, meta)
    except ExportError as e:
        print("%s: error: %s" % (PROG, e), file=sys.stderr)
        return 2
    except ValueError as e:
        print("%s: error: %s" % (PROG, e), file=sys.stderr)
        return 2
    except OSError as e:
        print("%s: error: cannot write %s (%s)" % (PROG, args.output, e.strerror or one_line(e)),
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
