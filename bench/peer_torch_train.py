#!/usr/bin/python3
"""bench/peer_torch_train.py SHAPE PRECISION STEPS THREADS: PyTorch's time for the full SGD step
that bench/train_bench.c times in srm, at the same shape (embedding or frames -> dropout ->
nn.RNN/nn.LSTM -> dropout -> nn.Linear -> cross-entropy or BCE-with-logits; clip_grad_norm_,
SGD step), on random data. Prints: tok_per_s peak_rss_mb. Timing only: values are not
compared (tests/ref/ compares srm's numbers against PyTorch)."""
import resource, sys, time
import torch

SHAPES = {  # cell, n, d, vocab, out, B, T, dropout (as bench/train_bench.c)
    "atis_lstm128": ("lstm", 128, 64, 900, 127, 128, 12, 0.5),
    "jsb_lstm1024": ("lstm", 1024, 88, 0, 88, 1, 60, 0.1),
    "ptbchar_lstm1024": ("lstm", 1024, 400, 50, 50, 80, 150, 0.1),
    "wt2_rnn256": ("rnn", 256, 1024, 33278, 33278, 20, 35, 0.25),
    "wt2_lstm1024": ("lstm", 1024, 512, 33278, 33278, 20, 35, 0.65),
}
name, prec, steps, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
cell, n, d, vocab, out, B, T, p = SHAPES[name]
torch.set_num_threads(threads)
torch.manual_seed(1)
dt = torch.float32 if prec == "float32" else torch.float64
rnn = (torch.nn.LSTM(d, n) if cell == "lstm" else torch.nn.RNN(d, n)).to(dt)
dec = torch.nn.Linear(n, out).to(dt)
enc = torch.nn.Embedding(vocab, d).to(dt) if vocab else None
drop = torch.nn.Dropout(p)
params = list(rnn.parameters()) + list(dec.parameters()) + (list(enc.parameters()) if enc else [])
opt = torch.optim.SGD(params, lr=0.1)
hidden = None
elapsed = 0.0
for step in range(steps + 1):  # step 0 warms up, untimed
    if vocab:
        x = torch.randint(0, vocab, (T, B))
        y = torch.randint(0, out, (T, B))
    else:
        x = (torch.rand(T, B, d) < 0.05).to(dt)
        y = (torch.rand(T, B, out) < 0.05).to(dt)
    t0 = time.perf_counter()
    opt.zero_grad()
    inp = drop(enc(x)) if vocab else x
    if hidden is not None:
        hidden = tuple(h.detach() for h in hidden) if cell == "lstm" else hidden.detach()
    h, hid = rnn(inp, hidden)
    if vocab:
        hidden = hid
    logits = dec(drop(h))
    if vocab:
        loss = torch.nn.functional.cross_entropy(logits.view(-1, out), y.view(-1))
    else:
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="sum") / (T * B)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 0.25)
    opt.step()
    if step > 0:
        elapsed += time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{T * B * steps / elapsed:.1f}\t{rss:.0f}")
