#!/usr/bin/python3
"""tests/ref/crosscheck.py: an independent NumPy/SciPy/PyTorch re-implementation of what srm
computes (the results of proofs-notes/: stability, the RNN and LSTM conditions, the bounds, the
projections; and the contracts of issues 2 and 3), written from the maths and the issue texts,
not from srm's C code. It writes small inputs (text matrices, safetensors models, input/target
sequences) and the expected numbers into tests/ref/crosscheck/, which
tests/cli/test_crosscheck.sh compares against `srm` (that test needs no Python).

Regenerate (deterministic, seed below):  /usr/bin/python3 tests/ref/crosscheck.py
Needs python3-numpy, python3-scipy, python3-mpmath and python3-torch (Debian packages).

Exact references: norms, singular values, LSTM constants and every integer k are computed in
mpmath at 60 digits from the double inputs, so srm is compared with the true value, not with
another double computation. Recurrent runs and gradients are double precision (NumPy forward,
checked against torch.nn.RNN / nn.LSTM; gradients by torch autograd)."""
import json
import math
import os
import struct
import sys

import mpmath as mp
import numpy as np
import torch

mp.mp.dps = 60
SEED = 20190501
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "crosscheck")
torch.set_default_dtype(torch.float64)


def fmt(v):
    """17 significant digits round-trip a double; non-finite numbers as srm prints them."""
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return "%.17g" % v


def write(name, text):
    with open(os.path.join(OUT, name), "w") as f:
        f.write(text)


def write_matrix(name, a, comment=None):
    a = np.atleast_2d(a)
    lines = ["# " + comment] if comment else []
    lines += [" ".join(fmt(v) for v in row) for row in a]
    write(name, "\n".join(lines) + "\n")


def write_tsv(name, header, rows):
    lines = ["\t".join(header)] + ["\t".join(str(c) for c in r) for r in rows]
    write(name, "\n".join(lines) + "\n")


# ---------------------------------------------------------------- safetensors by hand
def st_write(path, tensors, meta, dtype="F64"):
    """tensors: list of (name, ndarray). Header padded with spaces to a multiple of 8."""
    code, size = {"F64": ("<f8", 8), "F32": ("<f4", 4)}[dtype]
    header, blobs, off = {"__metadata__": meta}, [], 0
    for name, a in tensors:
        b = np.ascontiguousarray(a, dtype=code).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


# ---------------------------------------------------------------- models (proofs-notes/models.md)
def sigmoid(u):
    return 1.0 / (1.0 + np.exp(-u))


def act(cell, a):
    return {"rnn_tanh": np.tanh, "rnn_relu": lambda u: np.maximum(u, 0.0), "linear": lambda u: u}[cell](a)


class Model:
    def __init__(self, name, cell, p, dtype="F64"):
        self.name, self.cell, self.dtype = name, cell, dtype
        if dtype == "F32":  # what srm sees is the float32 value, exactly converted to double
            p = {k: v.astype(np.float32).astype(np.float64) for k, v in p.items()}
        self.p = p
        self.G = 4 if cell == "lstm" else 1
        self.n = p["rnn.weight_hh_l0"].shape[1]
        self.d = p["rnn.weight_ih_l0"].shape[1]
        self.m = p["decoder.weight"].shape[0] if "decoder.weight" in p else 0

    def names(self):
        base = ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0"]
        return base + (["decoder.weight", "decoder.bias"] if self.m else [])

    def save(self):
        st_write(os.path.join(OUT, self.name + ".safetensors"), [(k, self.p[k]) for k in self.names()],
                 {"cell": self.cell}, self.dtype)

    def step(self, s, x):
        """One step phi_w on the state s = h (RNN) or (c, h) (LSTM)."""
        p, n = self.p, self.n
        if self.cell != "lstm":
            return act(self.cell, p["rnn.weight_ih_l0"] @ x + p["rnn.bias_ih_l0"]
                       + p["rnn.weight_hh_l0"] @ s + p["rnn.bias_hh_l0"])
        c, h = s[:n], s[n:]
        g = p["rnn.weight_ih_l0"] @ x + p["rnn.bias_ih_l0"] + p["rnn.weight_hh_l0"] @ h + p["rnn.bias_hh_l0"]
        i, f, z, o = sigmoid(g[:n]), sigmoid(g[n:2 * n]), np.tanh(g[2 * n:3 * n]), sigmoid(g[3 * n:])
        c2 = f * c + i * z
        return np.concatenate([c2, o * np.tanh(c2)])

    def state_dim(self):
        return 2 * self.n if self.cell == "lstm" else self.n

    def hidden(self, s):
        return s[self.n:] if self.cell == "lstm" else s

    def readout(self, s):
        h = self.hidden(s)
        return self.p["decoder.weight"] @ h + self.p["decoder.bias"] if self.m else h

    def run(self, X, k=0):
        """States s_1..s_T; with k >= 1 the k-step truncation (restart from 0 at max(0, t-k))."""
        T, S = len(X), []
        for t in range(1, T + 1):
            start = max(0, t - k) if k else 0
            s = np.zeros(self.state_dim())
            for u in range(start + 1, t + 1):
                s = self.step(s, X[u - 1])
            S.append(s)
        return np.array(S)


def spectral_scaled(rng, n, lam):
    W = rng.standard_normal((n, n))
    return W * (lam / np.linalg.norm(W, 2))


def uniform(rng, shape, scale):
    return rng.uniform(-scale, scale, size=shape)


def make_models(rng):
    M = []
    # tanh RNN, n = 5, d = 3, m = 2, ||W_hh||_2 = 0.8, nonzero biases
    p = {"rnn.weight_ih_l0": uniform(rng, (5, 3), 0.6), "rnn.weight_hh_l0": spectral_scaled(rng, 5, 0.8),
         "rnn.bias_ih_l0": uniform(rng, 5, 0.3), "rnn.bias_hh_l0": uniform(rng, 5, 0.3),
         "decoder.weight": uniform(rng, (2, 5), 0.5), "decoder.bias": uniform(rng, 2, 0.5)}
    M.append(Model("rnn_tanh", "rnn_tanh", p))
    M.append(Model("rnn_tanh_f32", "rnn_tanh", p, "F32"))  # same weights through the F32 reader
    # ReLU RNN, n = 4, d = 2, m = 1, ||W_hh||_2 = 0.6; positive biases keep units active
    M.append(Model("rnn_relu", "rnn_relu", {
        "rnn.weight_ih_l0": uniform(rng, (4, 2), 0.8), "rnn.weight_hh_l0": spectral_scaled(rng, 4, 0.6),
        "rnn.bias_ih_l0": rng.uniform(0.0, 0.4, 4), "rnn.bias_hh_l0": rng.uniform(0.0, 0.4, 4),
        "decoder.weight": uniform(rng, (1, 4), 0.7), "decoder.bias": uniform(rng, 1, 0.2)}))
    # linear dynamical system, n = 3, d = 2, no readout, ||W_hh||_2 = 0.7
    M.append(Model("linear", "linear", {
        "rnn.weight_ih_l0": uniform(rng, (3, 2), 1.0), "rnn.weight_hh_l0": spectral_scaled(rng, 3, 0.7),
        "rnn.bias_ih_l0": uniform(rng, 3, 0.2), "rnn.bias_hh_l0": uniform(rng, 3, 0.2)}))
    # the necessity example of proofs-notes/necessity.md: h_t = a h_{t-1} + x_t with a = 1.1
    # (plus a stable mode)
    M.append(Model("linear_unstable", "linear", {
        "rnn.weight_ih_l0": np.array([[1.0], [0.5]]), "rnn.weight_hh_l0": np.array([[1.1, 0.0], [0.0, 0.5]]),
        "rnn.bias_ih_l0": np.zeros(2), "rnn.bias_hh_l0": np.zeros(2)}))
    # n = 1, d = 1 tanh RNN with a readout
    M.append(Model("rnn_n1", "rnn_tanh", {
        "rnn.weight_ih_l0": np.array([[0.9]]), "rnn.weight_hh_l0": np.array([[-0.5]]),
        "rnn.bias_ih_l0": np.array([0.1]), "rnn.bias_hh_l0": np.array([-0.05]),
        "decoder.weight": np.array([[2.0]]), "decoder.bias": np.array([0.25])}))
    # LSTM inside the conditions: recurrent rows scaled to chosen absolute sums
    n, d = 3, 2

    def rows_to(A, s):
        return A * (s / np.abs(A).sum(axis=1, keepdims=True))
    Whh = np.vstack([rows_to(rng.standard_normal((n, n)), s) for s in (0.3, 0.1, 0.08, 0.3)])
    Wih = uniform(rng, (4 * n, d), 0.5)
    Wih[n:2 * n] = rows_to(Wih[n:2 * n], 0.1)
    M.append(Model("lstm_stable", "lstm", {
        "rnn.weight_ih_l0": Wih, "rnn.weight_hh_l0": Whh,
        "rnn.bias_ih_l0": uniform(rng, 4 * n, 0.03), "rnn.bias_hh_l0": uniform(rng, 4 * n, 0.02),
        "decoder.weight": uniform(rng, (2, n), 0.6), "decoder.bias": uniform(rng, 2, 0.3)}))
    # LSTM with PyTorch's default initialisation scale (violates the conditions), no readout
    n, d = 4, 3
    s = 1 / math.sqrt(n)
    M.append(Model("lstm_random", "lstm", {
        "rnn.weight_ih_l0": uniform(rng, (4 * n, d), s), "rnn.weight_hh_l0": uniform(rng, (4 * n, n), s),
        "rnn.bias_ih_l0": uniform(rng, 4 * n, s), "rnn.bias_hh_l0": uniform(rng, 4 * n, s)}))
    return {m.name: m for m in M}


def check_against_torch(m, X):
    """The NumPy forward must agree with torch.nn.RNN / nn.LSTM (layout and gate order i,f,g,o)."""
    if m.cell == "linear":
        return
    x = torch.tensor(X).unsqueeze(1)
    if m.cell == "lstm":
        net = torch.nn.LSTM(m.d, m.n)
    else:
        net = torch.nn.RNN(m.d, m.n, nonlinearity="tanh" if m.cell == "rnn_tanh" else "relu")
    with torch.no_grad():
        for k in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(net, k).copy_(torch.tensor(m.p["rnn." + k]))
        out = net(x)
    H = m.run(X)
    if m.cell == "lstm":
        assert np.abs(out[1][1][0, 0].numpy() - H[-1, :m.n]).max() < 1e-14  # final c
        H = H[:, m.n:]
    err = np.abs(out[0][:, 0].numpy() - H).max()
    assert err < 1e-14, (m.name, err)


# ---------------------------------------------------------------- norms (issue 2: srm norm)
def mpm(a):
    return mp.matrix([[mp.mpf(float(v)) for v in row] for row in np.atleast_2d(a)])


def exact_norms(a):
    A = mpm(a)
    sv = sorted((abs(s) for s in mp.svd_r(A, compute_uv=False)), reverse=True)
    r, c = A.rows, A.cols
    one = max(mp.fsum(abs(A[i, j]) for i in range(r)) for j in range(c))
    inf = max(mp.fsum(abs(A[i, j]) for j in range(c)) for i in range(r))
    fro = mp.sqrt(mp.fsum(A[i, j] ** 2 for i in range(r) for j in range(c)))
    return {"2": sv[0], "1": one, "inf": inf, "fro": fro}, sv


def make_matrices(rng):
    mats = {
        "rand5x3": rng.standard_normal((5, 3)),
        "wide2x6": uniform(rng, (2, 6), 3.0),
        "hilbert4": np.array([[1.0 / (i + j + 1) for j in range(4)] for i in range(4)]),
        "rank1_3x4": np.outer([1.0, -2.0, 0.5], [3.0, 0.25, -1.0, 2.0]),
        "one1x1": np.array([[-2.5]]),
        "huge": rng.standard_normal((3, 3)) * 1e200,   # entries^2 overflow a naive Frobenius sum
        "tiny": rng.standard_normal((3, 2)) * 1e-200,  # entries^2 underflow to 0
    }
    norm_rows, sv_rows, power_rows = [], [], []
    for name, a in mats.items():
        write_matrix("mat_%s.txt" % name, a, "crosscheck matrix %s (%dx%d)" % ((name,) + a.shape))
        nm, sv = exact_norms(a)
        for o in ("2", "1", "inf", "fro"):
            norm_rows.append((name, o, fmt(nm[o])))
        for i, s in enumerate(sv):
            sv_rows.append((name, i + 1, fmt(s)))
        # power iteration is only compared where the stopping rule bounds the error well:
        # convergence ratio (s2/s1)^2 <= 0.81, so the remaining error is < 5x the tolerance
        if len(sv) == 1 or sv[1] / sv[0] <= 0.9:
            power_rows.append((name, fmt(nm["2"])))
    write_tsv("norms.tsv", ["matrix", "ord", "norm"], norm_rows)
    write_tsv("singular_values.tsv", ["matrix", "i", "sigma"], sv_rows)
    write_tsv("power.tsv", ["matrix", "norm"], power_rows)


# ---------------------------------- stability (proofs-notes/rnn-condition.md, lstm-conditions.md)
def exact_stability(m, B):
    """RNN: lambda = ||W_hh||_2, L_x = ||W_ih||_2 (L_rho = 1 for tanh, relu, identity).
    LSTM: proofs-notes/lstm-conditions.md with f_max from weights, biases and B; r the smallest
    integer with sqrt(2n) lambda_inf^r < 1 (-1 when lambda_inf >= 1)."""
    p, n = m.p, m.n
    if m.cell != "lstm":
        lam = exact_norms(p["rnn.weight_hh_l0"])[0]["2"]
        lx = exact_norms(p["rnn.weight_ih_l0"])[0]["2"]
        return {"spectral_norm": lam, "lipschitz_rho": mp.mpf(1), "lambda": lam, "lipschitz_x": lx,
                "stable": lam < 1}
    W, U = mpm(p["rnn.weight_hh_l0"]), mpm(p["rnn.weight_ih_l0"])
    b = [mp.mpf(float(u)) + mp.mpf(float(v)) for u, v in zip(p["rnn.bias_ih_l0"], p["rnn.bias_hh_l0"])]

    def ninf(A, g):
        return max(mp.fsum(abs(A[r, j]) for j in range(A.cols)) for r in range(g * n, (g + 1) * n))
    Ni, Nf, Nz, No = (ninf(W, g) for g in range(4))
    Nuf = ninf(U, 1)
    bf = max(abs(b[r]) for r in range(n, 2 * n))
    fmax = 1 / (1 + mp.exp(-(Nf + Nuf * B + bf)))
    a = 1 - fmax
    lam = Ni / 4 + Nz + Nf / (4 * a) + No / 4 + (1 - a)
    if lam >= 1:
        r = -1
    else:
        r = int(mp.floor(mp.log(2 * n) / (2 * mp.log(1 / lam)))) + 1
        assert mp.sqrt(2 * n) * lam ** r < 1 and (r == 1 or mp.sqrt(2 * n) * lam ** (r - 1) >= 1)
    out = {"norm_inf_i": Ni, "norm_inf_f": Nf, "norm_inf_z": Nz, "norm_inf_o": No, "norm_inf_uf": Nuf,
           "max_abs_bias_f": bf, "f_max": fmax, "a": a, "margin_i": a - Ni, "margin_o": a - No,
           "margin_z": a / 4 - Nz, "margin_f": a * a - Nf, "lambda_inf": lam, "r": r}
    out["stable"] = Ni < a and No < a and Nz <= a / 4 and Nf < a * a
    return out


def make_stability(models):
    rows = []
    for name, m in models.items():
        for B in ([1.0, 0.5, 3.0] if m.cell == "lstm" else [1.0]):
            for k, v in exact_stability(m, mp.mpf(B)).items():
                val = ("true" if v else "false") if isinstance(v, bool) else (str(v) if isinstance(v, int) else fmt(v))
                rows.append((name, fmt(B), k, val))
    write_tsv("stability.tsv", ["model", "input_bound", "key", "value"], rows)


# ---------------------------------------- bounds (proofs-notes/inference.md, training-theorem.md)
def inference_k(lam, eps, lf, lx, bx):
    """Smallest k >= 1 with lf lx bx lam^k / (1 - lam) <= eps, exactly (mpmath)."""
    lam, eps, C = mp.mpf(lam), mp.mpf(eps), mp.mpf(lf) * mp.mpf(lx) * mp.mpf(bx) / (1 - mp.mpf(lam))

    def g(k):
        return C * lam ** k
    k = 1
    if g(1) > eps:
        k = max(1, int(mp.floor(mp.log(C / eps) / mp.log(1 / lam))) - 2)
        while g(k) > eps:
            k += 1
    assert g(k) <= eps and (k == 1 or g(k - 1) > eps)
    margin = abs(g(k) / eps - 1) if g(k) > 0 else 1
    prev = abs(g(k - 1) / eps - 1) if k > 1 else 1
    return k, g(k), min(margin, prev)


def training_k(lam, eps, N, alpha, beta, gamma):
    """Smallest k >= 1 with G(k') <= eps for every k' >= k, G(k) = gamma k lam^k N^(alpha beta)
    (alpha + 1/beta); and the closed-form k of proofs-notes/training-theorem.md part 4."""
    lam, eps, N, alpha, beta, gamma = (mp.mpf(v) for v in (lam, eps, N, alpha, beta, gamma))
    K = gamma * N ** (alpha * beta) * (alpha + 1 / beta)

    def G(k):
        return K * k * lam ** k
    c = mp.log(1 / lam)
    # G rises to 1/c and falls after: the last k with G(k) > eps is at or beyond the peak
    k = max(1, int(mp.floor(1 / c)))
    if G(k) <= eps and G(k + 1) <= eps:
        last = 0
    else:
        while G(k + 1) > eps:
            k += 1
        last = k
    kk = last + 1
    # closed form: k >= 2 ln(C_N / eps) / ln(1/lam), C_N = 2 K / (e ln(1/lam)); at least 1
    if K == 0:
        kcf, q = 1, mp.mpf("-0.5")
    else:
        q = 2 * mp.log(2 * K / (mp.e * c) / eps) / c
        kcf = max(1, int(mp.ceil(q)))
    assert kcf >= kk
    tie = min(abs(G(kk) / eps - 1) if G(kk) > 0 else 1, abs(G(kk - 1) / eps - 1) if kk > 1 else 1,
              abs(q - mp.nint(q)))
    return kk, kcf, G(kk), tie


def make_bounds():
    rows = []
    consts = [(1, 1, 1), (2, 0.5, 3), (0.61186336818022569, 0.56568542494923806, 1)]
    for lam in (0.0, 0.1, 0.5, 0.9, 0.99, 0.999):
        for eps in (10.0, 0.5, 1e-2, 1e-4, 1e-8):
            for lf, lx, bx in consts:
                k, g, tie = inference_k(lam, eps, lf, lx, bx)
                if tie < 1e-9:
                    continue  # a rounding tie: the double answer could honestly differ by 1
                rows.append((fmt(lam), fmt(eps), fmt(lf), fmt(lx), fmt(bx), k, fmt(g)))
    # exact dyadic ties, where doubles are exact: 2 * 0.5^11 = 2^-10, so k = 11 with "<="
    for lam, eps in ((0.5, 2.0 ** -10), (0.75, 4 * 0.75 ** 7), (0.5, 2.0 ** -40)):
        k, g, _ = inference_k(lam, eps, 1, 1, 1)
        assert g == eps
        rows.append((fmt(lam), fmt(eps), "1", "1", "1", k, fmt(g)))
    write_tsv("bound_inference.tsv", ["lambda", "eps", "lf", "lx", "bx", "k", "bound"], rows)

    rows = []
    for lam in (0.5, 0.9, 0.99):
        for eps in (1e-3, 1e-6):
            for N, alpha, beta, gamma in ((200, 1, 1, 10), (200, 1, 0.94403283620857881, 0.17707529170111583),
                                          (1, 0.5, 2, 3), (1000, 0.01, 5, 100), (50, 1, 1, 0),
                                          (10, 2, 0.25, 1e-7)):
                k, kcf, g, tie = training_k(lam, eps, N, alpha, beta, gamma)
                if tie < 1e-9:
                    continue
                rows.append((fmt(lam), fmt(eps), N, fmt(alpha), fmt(beta), fmt(gamma), k, kcf, fmt(g)))
    write_tsv("bound_training.tsv", ["lambda", "eps", "steps", "alpha", "beta", "gamma", "k",
                                     "k_closed_form", "gap"], rows)


# -------------------------------- projections (proofs-notes/rnn-condition.md, lstm-conditions.md)
def project_rnn(m, radius):
    U, S, Vt = np.linalg.svd(m.p["rnn.weight_hh_l0"])
    q = dict(m.p)
    q["rnn.weight_hh_l0"] = U @ np.diag(np.minimum(S, radius)) @ Vt
    return Model(m.name + "_proj", m.cell, q)


def project_lstm(m, A, marg, B):
    """Row scaling of proofs-notes/lstm-conditions.md section 4: targets A - m, A^2 - m, A/4 - m,
    A - m for W_i, W_f, W_z, W_o; U_f and the forget bias share logit(1 - A) - t_f."""
    n, q = m.n, {k: v.copy() for k, v in m.p.items()}
    W, U = q["rnn.weight_hh_l0"], q["rnn.weight_ih_l0"]
    tgt = [A - marg, A * A - marg, A / 4 - marg, A - marg]
    for g in range(4):
        for r in range(g * n, (g + 1) * n):
            s = np.abs(W[r]).sum()
            if s > tgt[g]:
                W[r] *= tgt[g] / s
    budget = math.log((1 - A) / A) - tgt[1]
    u = max(np.abs(U[r]).sum() for r in range(n, 2 * n))
    bsum = q["rnn.bias_ih_l0"] + q["rnn.bias_hh_l0"]
    bbar = max(abs(bsum[r]) for r in range(n, 2 * n))
    theta = min(1.0, budget / (u * B + bbar)) if B > 0 else min(1.0, budget / bbar)
    if B > 0:
        for r in range(n, 2 * n):
            s = np.abs(U[r]).sum()
            if s > theta * u:
                U[r] *= theta * u / s
    for r in range(n, 2 * n):
        if abs(bsum[r]) > theta * bbar:
            f = theta * bbar / abs(bsum[r])
            q["rnn.bias_ih_l0"][r] *= f
            q["rnn.bias_hh_l0"][r] *= f
    return Model(m.name + "_proj", m.cell, q)


def write_tensors(name, m):
    rows = []
    for t in m.names():
        for i, v in enumerate(m.p[t].ravel()):
            rows.append((t, i, fmt(v)))
    write_tsv(name, ["tensor", "index", "value"], rows)


def make_projections(models, X):
    cases = []
    for case, model, opts in (("rnn_tanh_r0.5", "rnn_tanh", "--radius 0.5"),
                              ("rnn_tanh_r0.9", "rnn_tanh", "--radius 0.9"),
                              ("rnn_relu_r0.3", "rnn_relu", "--radius 0.3"),
                              ("linear_unstable_r1", "linear_unstable", ""),
                              ("lstm_random_m0.01", "lstm_random", ""),
                              ("lstm_random_m0.005_a0.3_b2", "lstm_random", "--margin 0.005 --a-target 0.3 --input-bound 2"),
                              ("lstm_stable_m0.01", "lstm_stable", "")):
        m = models[model]
        o = dict(zip(opts.split()[::2], map(float, opts.split()[1::2])))
        if m.cell == "lstm":
            q = project_lstm(m, o.get("--a-target", 0.4), o.get("--margin", 0.01), o.get("--input-bound", 1.0))
        else:
            q = project_rnn(m, o.get("--radius", 1.0))
        write_tensors("proj_%s.tsv" % case, q)
        st = exact_stability(q, mp.mpf(o.get("--input-bound", 1.0)))
        key = "lambda_inf" if m.cell == "lstm" else "spectral_norm"
        cases.append((case, model, opts or "-", key, fmt(st[key]), "true" if st["stable"] else "false"))
    write_tsv("project_cases.tsv", ["case", "model", "options", "key", "value_after", "stable_after"], cases)


# ---------------------------------------------------------------- runs, gaps, gradients (issue 3)
def make_runs(models, inputs):
    cases = []
    for name, m in models.items():
        X = inputs[name]
        T = len(X)
        for k in (0, 1, 3, T, T + 5):
            S = m.run(X, k)
            full = m.cell == "lstm" and k in (0, 3)
            cols = S if full else np.array([m.hidden(s) for s in S])
            if m.m:
                cols = np.hstack([cols, np.array([m.readout(s) for s in S])])
            case = "%s_k%d%s" % (name, k, "_full" if full else "")
            write_matrix("run_%s.txt" % case, cols)
            cases.append((case, name, "x_%s.txt" % name, k, 1 if full else 0))
    write_tsv("run_cases.tsv", ["case", "model", "input", "trunc", "full_state"], cases)


def truncation_table(m, X, kmax):
    """Rows k = 1..kmax: max and mean over t = 1..T of ||s_t - s^k_t|| (Euclidean on h for RNN
    cells; max norm on (c, h) for the LSTM), max_t ||y_t - y^k_t|| (Euclidean; LSTM: max norm,
    as srm's TSV comment states, since its contraction is certified in that norm), bound_traj = lam^k
    max_{t <= T-k} ||s_t|| (s_0 = 0), bound = lam^k H with the model's own constants."""
    T = len(X)
    S = m.run(X)
    lstm = m.cell == "lstm"
    norm = (lambda v: np.abs(v).max()) if lstm else np.linalg.norm
    if lstm:
        Bx = max(np.abs(x).max() for x in X)
        st = exact_stability(m, mp.mpf(Bx))
        lam = float(st["lambda_inf"])
        H = float(1 / st["a"])
    else:
        st = exact_stability(m, 1)
        lam = float(st["lambda"])
        Bx = max(np.linalg.norm(x) for x in X)
        b = m.p["rnn.bias_ih_l0"] + m.p["rnn.bias_hh_l0"]
        H = (np.linalg.norm(act(m.cell, b)) + float(st["lipschitz_x"]) * Bx) / (1 - lam)
        if m.cell == "rnn_tanh":
            H = min(H, math.sqrt(m.n))
    rows = []
    for k in range(1, kmax + 1):
        Sk = m.run(X, k)
        gaps = [norm(S[t] - Sk[t]) for t in range(T)]
        ogaps = [norm(m.readout(S[t]) - m.readout(Sk[t])) for t in range(T)]
        past = [0.0] + [norm(S[t]) for t in range(T - k)]  # ||s_{t-k}|| for t - k = 0..T-k
        if lam < 1:
            btraj, bnd = lam ** k * max(past), lam ** k * H
        else:
            btraj = bnd = float("nan")
        rows.append((k, fmt(max(gaps)), fmt(sum(gaps) / T), fmt(max(ogaps)), fmt(btraj), fmt(bnd)))
    return rows


def make_truncations(models, inputs):
    cases = []
    for name, m in models.items():
        X = inputs[name]
        kmax = len(X) + 2  # beyond T on purpose: gaps must be exactly 0 there
        write_tsv("trunc_%s.tsv" % name, ["k", "max_state_gap", "mean_state_gap", "max_output_gap",
                                          "bound_traj", "bound"], truncation_table(m, X, kmax))
        cases.append((name, "x_%s.txt" % name, kmax))
    write_tsv("trunc_cases.tsv", ["model", "input", "kmax"], cases)


def torch_loss(m, X, Y, k, loss, at):
    """Loss summed over the loss positions, as `srm grad --help` states, and its gradient by
    torch autograd through an independent torch implementation of the cells."""
    P = {t: torch.tensor(m.p[t], requires_grad=True) for t in m.names()}
    n, T = m.n, len(X)
    Xt = [torch.tensor(x) for x in X]

    def step(c, h, x):
        g = P["rnn.weight_ih_l0"] @ x + P["rnn.bias_ih_l0"] + P["rnn.weight_hh_l0"] @ h + P["rnn.bias_hh_l0"]
        if m.cell == "lstm":
            i, f = torch.sigmoid(g[:n]), torch.sigmoid(g[n:2 * n])
            z, o = torch.tanh(g[2 * n:3 * n]), torch.sigmoid(g[3 * n:])
            c = f * c + i * z
            return c, o * torch.tanh(c)
        return c, {"rnn_tanh": torch.tanh, "rnn_relu": torch.relu, "linear": lambda u: u}[m.cell](g)

    total = torch.zeros(())
    for t in (range(1, T + 1) if at == "all" else [T]):
        c = h = torch.zeros(n)
        for u in range((max(0, t - k) if k else 0) + 1, t + 1):
            c, h = step(c, h, Xt[u - 1])
        y = P["decoder.weight"] @ h + P["decoder.bias"] if m.m else h
        z = Y[t - 1]
        if loss == "mse":
            total = total + 0.5 * ((y - torch.tensor(z)) ** 2).sum()
        elif loss == "xent":
            total = total - torch.log_softmax(y, 0)[int(z[0])]
        else:
            total = total + (torch.nn.functional.softplus(y) - torch.tensor(z) * y).sum()
    total.backward()
    return float(total), {t: P[t].grad.numpy() for t in m.names()}


def make_grads(models, inputs, rng):
    targets = {}
    for name, m in models.items():
        T, mo = len(inputs[name]), m.m or m.n
        targets[(name, "mse")] = rng.standard_normal((T, mo))
        targets[(name, "xent")] = rng.integers(0, mo, size=(T, 1)).astype(float)
        targets[(name, "bce")] = rng.integers(0, 2, size=(T, mo)).astype(float)
        for loss in ("mse", "xent", "bce"):
            write_matrix("y_%s_%s.txt" % (name, loss), targets[(name, loss)])
    cases = []
    spec = [("rnn_tanh", "mse", "all", 0), ("rnn_tanh", "mse", "last", 0), ("rnn_tanh", "mse", "all", 3),
            ("rnn_tanh", "xent", "all", 0), ("rnn_tanh", "bce", "last", 2), ("rnn_tanh_f32", "mse", "all", 0),
            ("rnn_relu", "mse", "all", 0), ("rnn_relu", "xent", "all", 2), ("linear", "mse", "all", 0),
            ("linear", "xent", "last", 0), ("linear_unstable", "mse", "all", 4), ("rnn_n1", "mse", "all", 0),
            ("rnn_n1", "bce", "all", 1), ("lstm_stable", "mse", "all", 0), ("lstm_stable", "mse", "all", 3),
            ("lstm_stable", "xent", "all", 0), ("lstm_stable", "bce", "all", 0), ("lstm_random", "mse", "last", 0),
            ("lstm_random", "mse", "all", 2), ("lstm_random", "bce", "last", 5)]
    for name, loss, at, k in spec:
        m = models[name]
        L, g = torch_loss(m, inputs[name], targets[(name, loss)], k, loss, at)
        case = "%s_%s_%s_k%d" % (name, loss, at, k)
        rows = [(t, i, fmt(v)) for t in m.names() for i, v in enumerate(g[t].ravel())]
        write_tsv("grad_%s.tsv" % case, ["tensor", "index", "value"], rows)
        cases.append((case, name, "x_%s.txt" % name, "y_%s_%s.txt" % (name, loss), k, loss, at, fmt(L)))
    write_tsv("grad_cases.tsv", ["case", "model", "input", "target", "trunc", "loss", "loss_at", "loss_value"], cases)


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    rng = np.random.default_rng(SEED)
    make_matrices(rng)
    models = make_models(rng)
    inputs = {}
    for name, m in models.items():
        T = {"lstm_random": 9, "rnn_n1": 6, "linear_unstable": 10}.get(name, 8)
        X = uniform(rng, (T, m.d), 1.0) if name != "rnn_tanh_f32" else inputs["rnn_tanh"]
        inputs[name] = X
        write_matrix("x_%s.txt" % name, X)
        m.save()
        check_against_torch(m, X)
    make_stability(models)
    make_bounds()
    make_projections(models, inputs)
    make_runs(models, inputs)
    make_truncations(models, inputs)
    make_grads(models, inputs, rng)
    print("wrote %d files to %s" % (len(os.listdir(OUT)), OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
