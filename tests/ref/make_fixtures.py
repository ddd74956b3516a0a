#!/usr/bin/python3
"""tests/ref/make_fixtures.py: PyTorch reference fixtures for tests/test_reference.c.

Regenerate (Debian's python3-torch; the `python3` on PATH may lack torch):
    /usr/bin/python3 tests/ref/make_fixtures.py
The outputs are committed, so `make check` needs neither Python nor torch.

For a tanh RNN and an LSTM (n = 5, d = 3, T = 7, decoder m = 2, float64) it writes
  MODEL.safetensors      the weights, srm/PyTorch names (rnn.weight_ih_l0, ..., decoder.bias)
  MODEL.ref.safetensors  input (T, d), target (T, m), hidden (T, n), cell (T, n; LSTM),
                         output (T, m), loss (1), and grad.NAME for every weight, for the
                         loss  sum_t 1/2 ||y_t - target_t||^2  (srm's mse at every step);
                         the same as trunc3.hidden, trunc3.output, trunc3.loss, trunc3.grad.NAME
                         for the k = 3 truncation: y^3_t from the zero state at max(0, t-3).
plus, for the CLI tests, input.txt and target.txt (the same sequence as text matrices),
MODEL.run.txt and MODEL.run_trunc3.txt (rows h_t then y_t, as `srm run` writes them),
losses.txt (MODEL k loss grad_norm), and unstable_linear.safetensors (h_t = h_{t-1} + x_t, n = d = 1)
for the necessity example. The tanh RNN's W_hh is rescaled to ||W_hh||_2 = 0.9 so that the
CLI tests can also check the truncation bounds on it; the LSTM keeps PyTorch's default init.
Safetensors are written by hand: 8-byte little-endian header length, JSON header, raw F64.
"""
import json
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
N, D, T, M, K = 5, 3, 7, 2, 3


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in tensors:
        data = t.detach().to(torch.float64).contiguous().numpy().astype("<f8").tobytes()
        header[name] = {"dtype": "F64", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # align the data to 8 bytes, as the reference writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def write_text(path, rows, comment):
    with open(path, "w") as f:
        f.write("# " + comment + "\n")
        for r in rows:
            f.write(" ".join(repr(float(v)) for v in r) + "\n")


def named_params(rnn, dec):
    return [("rnn." + k, v) for k, v in rnn.named_parameters()] + \
           [("decoder." + k, v) for k, v in dec.named_parameters()]


def run(rnn, dec, x, lstm):
    """States of every step (h and, for the LSTM, c) from the zero state."""
    hs, cs = [], []
    h = torch.zeros(1, 1, N, dtype=torch.float64)
    c = torch.zeros(1, 1, N, dtype=torch.float64)
    for t in range(x.shape[0]):
        xt = x[t:t + 1].unsqueeze(1)
        if lstm:
            _, (h, c) = rnn(xt, (h, c))
            cs.append(c.reshape(N))
        else:
            _, h = rnn(xt, h)
        hs.append(h.reshape(N))
    return torch.stack(hs), (torch.stack(cs) if lstm else None)


def fixture(name, lstm, x, target):
    torch.manual_seed(1 if lstm else 0)
    rnn = (torch.nn.LSTM(D, N) if lstm else torch.nn.RNN(D, N, nonlinearity="tanh")).double()
    dec = torch.nn.Linear(N, M).double()
    if not lstm:
        with torch.no_grad():
            rnn.weight_hh_l0.mul_(0.9 / torch.linalg.matrix_norm(rnn.weight_hh_l0, 2))
    params = named_params(rnn, dec)
    write_safetensors(os.path.join(HERE, name + ".safetensors"), params,
                      {"cell": "lstm" if lstm else "rnn_tanh"})
    out = [("input", x), ("target", target)]
    # full model
    h, c = run(rnn, dec, x, lstm)
    y = dec(h)
    loss = 0.5 * ((y - target) ** 2).sum()
    grads = torch.autograd.grad(loss, [p for _, p in params])
    out += [("hidden", h)] + ([("cell", c)] if lstm else []) + [("output", y),
                                                                 ("loss", loss.reshape(1))]
    out += [("grad." + n, g) for (n, _), g in zip(params, grads)]
    # k-step truncation: position t (1-based) sees x_{t0+1..t}, t0 = max(0, t-k)
    hk, ck, yk = [], [], []
    for t in range(1, T + 1):
        h_w, c_w = run(rnn, dec, x[max(0, t - K):t], lstm)
        hk.append(h_w[-1])
        if lstm:
            ck.append(c_w[-1])
        yk.append(dec(h_w[-1]))
    hk, yk = torch.stack(hk), torch.stack(yk)
    loss_k = 0.5 * ((yk - target) ** 2).sum()
    grads_k = torch.autograd.grad(loss_k, [p for _, p in params])
    out += [("trunc3.hidden", hk)] + ([("trunc3.cell", torch.stack(ck))] if lstm else [])
    out += [("trunc3.output", yk), ("trunc3.loss", loss_k.reshape(1))]
    out += [("trunc3.grad." + n, g) for (n, _), g in zip(params, grads_k)]
    write_safetensors(os.path.join(HERE, name + ".ref.safetensors"), out,
                      {"generator": "tests/ref/make_fixtures.py", "torch": torch.__version__,
                       "loss": "sum_t 1/2 ||y_t - target_t||^2", "trunc": str(K)})
    # the same states as `srm run` writes them: h_t then y_t per row
    write_text(os.path.join(HERE, name + ".run.txt"), torch.cat([h, y], 1).tolist(),
               "h_1..h_%d y_1..y_%d (torch)" % (N, M))
    write_text(os.path.join(HERE, name + ".run_trunc3.txt"), torch.cat([hk, yk], 1).tolist(),
               "h^3_t then y^3_t (torch)")
    gnorm = lambda gs: torch.sqrt(sum((g ** 2).sum() for g in gs)).item()
    return (loss.item(), gnorm(grads)), (loss_k.item(), gnorm(grads_k))


def main():
    torch.manual_seed(42)
    x = torch.rand(T, D, dtype=torch.float64) * 2 - 1
    target = torch.rand(T, M, dtype=torch.float64) * 2 - 1
    write_text(os.path.join(HERE, "input.txt"), x.tolist(), "input x_t, one row per step (T=7, d=3)")
    write_text(os.path.join(HERE, "target.txt"), target.tolist(), "target, one row per step (m=2)")
    lines = ["# model k loss grad_norm (mse: sum_t 1/2 ||y_t - target_t||^2; k = 0: no "
             "truncation; grad_norm: Euclidean norm over every parameter)"]
    for name, lstm in (("rnn_tanh", False), ("lstm", True)):
        full, trunc = fixture(name, lstm, x, target)
        lines += ["%s 0 %r %r" % ((name,) + full), "%s %d %r %r" % ((name, K) + trunc)]
    with open(os.path.join(HERE, "losses.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    one = torch.ones(1, 1, dtype=torch.float64)
    zero = torch.zeros(1, dtype=torch.float64)
    write_safetensors(os.path.join(HERE, "unstable_linear.safetensors"),
                      [("rnn.weight_ih_l0", one), ("rnn.weight_hh_l0", one),
                       ("rnn.bias_ih_l0", zero), ("rnn.bias_hh_l0", zero)], {"cell": "linear"})


if __name__ == "__main__":
    main()
