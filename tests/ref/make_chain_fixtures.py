#!/usr/bin/python3
"""tests/ref/make_chain_fixtures.py: PyTorch fixtures for tests/test_chain_reference.c, the
k-step truncated benchmark network that `srm train --trunc` trains (task/net.h, chains).

Regenerate (Debian's python3-torch; the `python3` on PATH may lack torch):
    /usr/bin/python3 tests/ref/make_chain_fixtures.py
The outputs are committed, so `make check` needs neither Python nor torch.

For a tanh RNN and an LSTM with an embedding (vocabulary V = 7, d = 3, n = 5, 6 classes,
float64) and a token stream of B = 2 columns whose window of T = 6 steps follows P = 3 context
positions (the end of the previous window), it writes
  chain_MODEL.safetensors      encoder.weight, rnn.*, decoder.*
  chain_MODEL.ref.safetensors  tokens (P+T, B), targets (T, B) as F64 ids; keep_in (P+T, B, d)
                               and keep_out (T, B, n) dropout keep flags (p = 0.25, kept units
                               scaled by 1/(1-p)); prob (T*B, 6) softmax of the k = 4 truncated
                               outputs, time-major; loss (1) = sum over the window of
                               -log prob[target]; grad.NAME for every weight.
The truncated output at window step t of column b runs the cell from the zero state over the
min(k, P+t+1) inputs ending there, reaching into the context: a k-gram network over the stream,
written here independently of srm as one explicit loop per position.
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_fixtures import write_safetensors  # noqa: E402  (the one safetensors writer)

V, D, N, OUT, B, P, T, K, PDROP = 7, 3, 5, 6, 2, 3, 6, 4, 0.25


def truncated(emb, rnn, dec, tokens, keep_in, keep_out, lstm):
    """Logits (T*B, OUT) of the k-step truncated model, time-major."""
    scale = 1.0 / (1.0 - PDROP)
    rows = []
    for t in range(T):
        for b in range(B):
            end = P + t
            start = max(0, end + 1 - K)
            x = emb(tokens[start:end + 1, b]) * keep_in[start:end + 1, b] * scale
            h = torch.zeros(1, 1, N, dtype=torch.float64)
            c = torch.zeros(1, 1, N, dtype=torch.float64)
            out, st = rnn(x.unsqueeze(1), (h, c) if lstm else h)
            hl = out[-1, 0] * keep_out[t, b] * scale
            rows.append(dec(hl))
    return torch.stack(rows)


def fixture(name, lstm, tokens, targets, keep_in, keep_out):
    torch.manual_seed(3 if lstm else 2)
    emb = torch.nn.Embedding(V, D).double()
    rnn = (torch.nn.LSTM(D, N) if lstm else torch.nn.RNN(D, N, nonlinearity="tanh")).double()
    dec = torch.nn.Linear(N, OUT).double()
    with torch.no_grad():  # larger than the init, so that the nonlinearities matter
        for p in list(rnn.parameters()) + list(dec.parameters()):
            p.mul_(3.0)
    params = [("encoder.weight", emb.weight)] + \
             [("rnn." + k, v) for k, v in rnn.named_parameters()] + \
             [("decoder." + k, v) for k, v in dec.named_parameters()]
    write_safetensors(os.path.join(HERE, name + ".safetensors"), params,
                      {"cell": "lstm" if lstm else "rnn_tanh"})
    logits = truncated(emb, rnn, dec, tokens, keep_in, keep_out, lstm)
    loss = torch.nn.functional.cross_entropy(logits, targets.reshape(-1), reduction="sum")
    grads = torch.autograd.grad(loss, [p for _, p in params])
    out = [("tokens", tokens.double()), ("targets", targets.double()),
           ("keep_in", keep_in), ("keep_out", keep_out),
           ("prob", torch.softmax(logits, 1)), ("loss", loss.reshape(1))]
    out += [("grad." + n, g) for (n, _), g in zip(params, grads)]
    write_safetensors(os.path.join(HERE, name + ".ref.safetensors"), out,
                      {"generator": "tests/ref/make_chain_fixtures.py", "torch": torch.__version__,
                       "k": str(K), "context": str(P), "dropout": str(PDROP)})


def main():
    g = torch.Generator().manual_seed(7)
    tokens = torch.randint(0, V, (P + T, B), generator=g)
    targets = torch.randint(0, OUT, (T, B), generator=g)
    keep_in = (torch.rand(P + T, B, D, generator=g, dtype=torch.float64) >= PDROP).double()
    keep_out = (torch.rand(T, B, N, generator=g, dtype=torch.float64) >= PDROP).double()
    for name, lstm in (("chain_rnn_tanh", False), ("chain_lstm", True)):
        fixture(name, lstm, tokens, targets, keep_in, keep_out)


if __name__ == "__main__":
    main()
