#!/usr/bin/python3
"""tests/ref/make_torch_fixtures.py: torch.nn RNN/LSTM/GRU fixtures for srm's PyTorch import.

Regenerate (Debian's python3-torch; the `python3` on PATH may lack torch):
    /usr/bin/python3 tests/ref/make_torch_fixtures.py
The outputs, in tests/ref/torch/, are committed, so `make check` needs neither Python nor torch.
Files are written with write_safetensors of scripts/torch_export.py. All float64 unless stated,
each model from torch.manual_seed(SEED) (recorded in the metadata with the module's class/args).

Models (NAME.safetensors, the module's state_dict under a prefix):
  rnn1                nn.RNN(3, 4), rnn., weight_hh_l0 scaled to ||W_hh||_2 = 0.5
  rnn3                nn.RNN(3, 5, num_layers=3), encoder.rnn., every ||W_hh||_2 = 0.6; plus
                      encoder.embedding.weight [7, 3] uniform in [-0.8, 0.8] (max |entry| in
                      the metadata) and decoder.weight [2, 5], decoder.bias [2] (nn.Linear(5, 2))
  rnn2_unstable_top   nn.RNN(3, 4, num_layers=2), rnn., ||W_hh||_2 = 0.5 then 3
  lstm1               nn.LSTM(3, 4), lstm., every weight and bias times 0.05
  gru2_big            nn.GRU(3, 5, num_layers=2), gru., every tensor times 2 (not certified)
  lstm1_embed         nn.LSTM(3, 4) times 0.05 under rnn., with encoder.weight [6, 3] in [-3, 3]
  lstm3               nn.LSTM(2, 3, num_layers=3), no prefix, times 0.05
  lstm2_bidir         nn.LSTM(3, 4, num_layers=2, bidirectional=True), rnn., times 0.05
  gru1                nn.GRU(3, 4), gru., times 0.1
  gru3_bidir          nn.GRU(3, 4, num_layers=3, bidirectional=True), rnn., times 0.1
  rnn1_f16, rnn1_bf16 rnn1 rounded to float16 / bfloat16 (every tensor F16 / BF16)
  rnn1_nobias         nn.RNN(3, 4, bias=False), rnn., PyTorch's default init
and for each NAME.ref.safetensors (F64): x [T=6, input_size] uniform in [-1, 1]; output
[T, D*n], the last layer's outputs from the zero state (batch 1, squeezed); h_n [L*D, n] (and
c_n for LSTMs); R [T, D*n] uniform in [-1, 1]; grad.PARAM for every parameter of the recurrent
module (full names), the gradient of loss = sum(output * R); for nn.RNN models
spectral_norm_hh_l{l}[_reverse] [1], torch.linalg.matrix_norm(W_hh, ord=2) in float64. The F16 and
BF16 references are computed by the float64 module on the upcast rounded weights.

Also plain_rnn.pt: torch.save of nn.RNN(3, 4, dtype=torch.float64).state_dict(), no prefix
(weight_ih_l0, ...), ||W_hh||_2 = 0.7, the input for testing scripts/torch_export.py.
"""
import importlib.util
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(HERE, "torch")
T = 6
F64 = torch.float64
GENERATOR = "tests/ref/make_torch_fixtures.py"


def load_exporter():
    path = os.path.join(ROOT, "scripts", "torch_export.py")
    spec = importlib.util.spec_from_file_location("torch_export", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


write_safetensors = load_exporter().write_safetensors


def describe(cls, args, kwargs):
    parts = [repr(a) for a in args] + ["%s=%r" % kv for kv in kwargs.items()]
    return "torch.nn.%s(%s)" % (cls.__name__, ", ".join(parts))


def build(cls, args, kwargs, seed, hh_norms=None, factor=None):
    """The module from torch.manual_seed(seed), W_hh rescaled per layer or every tensor scaled."""
    torch.manual_seed(seed)
    m = cls(*args, **kwargs, dtype=F64)
    with torch.no_grad():
        for name, p in m.named_parameters():
            if hh_norms is not None and name.startswith("weight_hh_l"):
                layer = int(name[len("weight_hh_l"):].split("_")[0])
                p.mul_(hh_norms[layer] / torch.linalg.matrix_norm(p, ord=2))
            if factor is not None:
                p.mul_(factor)
    return m


def reference(m, prefix, seed):
    """(name, tensor) pairs of the reference run of module m on a random x (seed)."""
    g = torch.Generator().manual_seed(seed)
    L, D, n = m.num_layers, 2 if m.bidirectional else 1, m.hidden_size
    x = torch.rand(T, m.input_size, generator=g, dtype=F64) * 2 - 1
    R = torch.rand(T, D * n, generator=g, dtype=F64) * 2 - 1
    h0 = torch.zeros(L * D, 1, n, dtype=F64)
    lstm = isinstance(m, torch.nn.LSTM)
    out, state = m(x.unsqueeze(1), (h0, h0.clone()) if lstm else h0)
    out = out.squeeze(1)
    loss = (out * R).sum()
    params = list(m.named_parameters())
    grads = torch.autograd.grad(loss, [p for _, p in params])
    res = [("x", x), ("output", out)]
    if lstm:
        res += [("h_n", state[0].squeeze(1)), ("c_n", state[1].squeeze(1))]
    else:
        res += [("h_n", state.squeeze(1))]
    res += [("R", R)] + [("grad." + prefix + k, gr) for (k, _), gr in zip(params, grads)]
    if type(m) is torch.nn.RNN:
        for k, p in params:
            if k.startswith("weight_hh_"):
                sn = torch.linalg.matrix_norm(p.detach().to(F64), ord=2).reshape(1)
                res.append(("spectral_norm_" + k[len("weight_"):], sn))
    return [(k, v.detach()) for k, v in res]


def meta_of(module, seed, prefix, dtype, **extra):
    meta = {"generator": GENERATOR, "torch": str(torch.__version__), "seed": str(seed),
            "module": module, "prefix": prefix, "dtype": dtype}
    meta.update({k: str(v) for k, v in extra.items()})
    return meta


def save(name, tensors, meta, m, prefix, x_seed, ref_extra=(), ref_meta=None):
    """NAME.safetensors (tensors) and NAME.ref.safetensors (the run of m, float64)."""
    write_safetensors(os.path.join(OUT, name + ".safetensors"), tensors, meta)
    rmeta = dict(meta, dtype="F64", x_seed=str(x_seed), loss="sum(output * R)",
                 run="zero initial state, batch 1 (squeezed); x is the recurrent module's input")
    rmeta.update(ref_meta or {})
    write_safetensors(os.path.join(OUT, name + ".ref.safetensors"),
                      reference(m, prefix, x_seed) + list(ref_extra), rmeta)


def state(m, prefix, dtype=None):
    return [(prefix + k, v if dtype is None else v.to(dtype)) for k, v in m.state_dict().items()]


def simple(name, cls, args, kwargs, prefix, seed, **adjust):
    m = build(cls, args, kwargs, seed, **adjust)
    how = ("W_hh scaled to spectral norms %s" % (adjust["hh_norms"],) if "hh_norms" in adjust
           else "every tensor times %r" % adjust["factor"] if "factor" in adjust
           else "PyTorch's default init")
    meta = meta_of(describe(cls, args, kwargs), seed, prefix, "F64", init=how)
    save(name, state(m, prefix), meta, m, prefix, seed + 1000)
    return m


def rounded(base, seed, dtype, tag):
    """rnn1 rounded to dtype; its reference is the float64 module on the upcast weights."""
    module = describe(torch.nn.RNN, (3, 4), {})
    tensors = state(base, "rnn.", dtype)
    m = torch.nn.RNN(3, 4, dtype=F64)
    m.load_state_dict({k[len("rnn."):]: v.to(F64) for k, v in tensors})
    meta = meta_of(module, seed, "rnn.", tag, init="rnn1 (W_hh spectral norm 0.5) rounded to "
                   + tag)
    save("rnn1_" + tag.lower(), tensors, meta, m, "rnn.", seed + 1000,
         ref_meta={"computed": "in float64 by the module on the %s weights upcast" % tag})


def rnn3(seed):
    kwargs = {"num_layers": 3}
    m = build(torch.nn.RNN, (3, 5), kwargs, seed, hh_norms=[0.6] * 3)
    emb = torch.rand(7, 3, dtype=F64) * 1.6 - 0.8
    dec = torch.nn.Linear(5, 2, dtype=F64)
    emax = emb.abs().max()
    tensors = [("encoder.embedding.weight", emb)] + state(m, "encoder.rnn.") + \
        [("decoder." + k, v) for k, v in dec.state_dict().items()]
    meta = meta_of(describe(torch.nn.RNN, (3, 5), kwargs), seed, "encoder.rnn.", "F64",
                   init="W_hh scaled to spectral norms [0.6, 0.6, 0.6]; then "
                   "encoder.embedding.weight = rand(7, 3) * 1.6 - 0.8 and torch.nn.Linear(5, 2) "
                   "as decoder", embedding_max_abs=repr(emax.item()))
    save("rnn3", tensors, meta, m, "encoder.rnn.", seed + 1000,
         ref_extra=[("embedding_max_abs", emax.reshape(1))],
         ref_meta={"grads": "of the recurrent module only (embedding and decoder unused)"})


def lstm1_embed(seed):
    """An LSTM in srm's own names with an embedding whose entries reach 3: the input bound of
    srm stability and srm certify must both come from it."""
    m = build(torch.nn.LSTM, (3, 4), {}, seed, factor=0.05)
    emb = torch.rand(6, 3, dtype=F64) * 6 - 3
    tensors = [("encoder.weight", emb)] + state(m, "rnn.")
    meta = meta_of(describe(torch.nn.LSTM, (3, 4), {}), seed, "rnn.", "F64",
                   init="every tensor times 0.05; encoder.weight = rand(6, 3) * 6 - 3",
                   embedding_max_abs=repr(emb.abs().max().item()))
    save("lstm1_embed", tensors, meta, m, "rnn.", seed + 1000)


def main():
    os.makedirs(OUT, exist_ok=True)
    RNN, LSTM, GRU = torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU
    base = simple("rnn1", RNN, (3, 4), {}, "rnn.", 1, hh_norms=[0.5])
    rounded(base, 1, torch.float16, "F16")
    rounded(base, 1, torch.bfloat16, "BF16")
    simple("rnn2_unstable_top", RNN, (3, 4), {"num_layers": 2}, "rnn.", 2, hh_norms=[0.5, 3.0])
    rnn3(3)
    simple("rnn1_nobias", RNN, (3, 4), {"bias": False}, "rnn.", 4)
    simple("lstm1", LSTM, (3, 4), {}, "lstm.", 11, factor=0.05)
    lstm1_embed(14)
    simple("lstm3", LSTM, (2, 3), {"num_layers": 3}, "", 13, factor=0.05)
    simple("lstm2_bidir", LSTM, (3, 4), {"num_layers": 2, "bidirectional": True}, "rnn.", 12,
           factor=0.05)
    simple("gru1", GRU, (3, 4), {}, "gru.", 21, factor=0.1)
    simple("gru3_bidir", GRU, (3, 4), {"num_layers": 3, "bidirectional": True}, "rnn.", 23,
           factor=0.1)
    simple("gru2_big", GRU, (3, 5), {"num_layers": 2}, "gru.", 24, factor=2.0)
    plain = build(RNN, (3, 4), {}, 41, hh_norms=[0.7])
    torch.save(plain.state_dict(), os.path.join(OUT, "plain_rnn.pt"))


if __name__ == "__main__":
    main()
