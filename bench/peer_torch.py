#!/usr/bin/python3
"""bench/peer_torch.py CELL X Y: best-of-3 time of PyTorch float64 forward+backward of the same
problem `srm grad` solves in bench/run.sh (n = 128, d = 16, m = 4, T = 2000, mse at all steps),
on one thread. Prints seconds. Weights are random: timing only, values are not compared."""
import sys, time
import numpy as np
import torch

torch.set_num_threads(1)
cell, xf, yf = sys.argv[1], sys.argv[2], sys.argv[3]
x = torch.tensor(np.loadtxt(xf), dtype=torch.float64).unsqueeze(1)
y = torch.tensor(np.loadtxt(yf), dtype=torch.float64).unsqueeze(1)
torch.manual_seed(0)
rnn = (torch.nn.RNN(16, 128) if cell == "rnn" else torch.nn.LSTM(16, 128)).double()
dec = torch.nn.Linear(128, 4).double()
best = float("inf")
for _ in range(3):
    t0 = time.perf_counter()
    rnn.zero_grad(); dec.zero_grad()
    h, _ = rnn(x)
    loss = 0.5 * ((dec(h) - y) ** 2).sum()
    loss.backward()
    best = min(best, time.perf_counter() - t0)
print(f"{best:.4f}")
