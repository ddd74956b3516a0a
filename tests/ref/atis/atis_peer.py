#!/usr/bin/python3
"""Independent PyTorch check of srm's ATIS slot-filling recipe.

Written from the recipe description only (no srm code was consulted or reused).
This file is a reference check for humans; it is NOT a runtime dependency of srm
and nothing in the build or test suite imports or runs it.

Recipe: embedding 64 (U(-0.1,0.1)) -> dropout 0.5 -> 1-layer LSTM 128 (PyTorch
default init) -> dropout 0.5 -> linear to #train tags (W ~ U(-0.1,0.1), b = 0);
token cross-entropy averaged over the real tokens of a batch; plain SGD lr 10,
weight decay 1e-4, grad-norm clip 1, batch 128, reshuffled every epoch.
Model selection by validation slot F1 (conlleval semantics on BIO tags).

Usage:
  OMP_NUM_THREADS=1 /usr/bin/python3 atis_peer.py --schedule constant --epochs 100 --out constant.tsv
  --self-test runs the F1 unit tests and exits.
"""
import argparse
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "data", "atis", "")
TRAIN, VALID, TEST = "atis-2.train.w-intent.iob", "atis-2.dev.w-intent.iob", "atis.test.w-intent.iob"


# ---------------------------------------------------------------- data
def read_iob(path):
    """List of (words, tags); drops BOS/EOS, the leading O and the trailing intent."""
    out = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            left, right = line.rstrip("\n").split("\t")
            w, t = left.split(), right.split()
            assert w[0] == "BOS" and w[-1] == "EOS" and t[0] == "O" and len(w) == len(t), line
            out.append((w[1:-1], t[1:-1]))
    return out


def build_vocab(train):
    words, tags = {"<unk>": 0}, {"O": 0}
    for ws, ts in train:
        for w in ws:
            words.setdefault(w, len(words))
        for t in ts:
            tags.setdefault(t, len(tags))
    return words, tags


def encode(data, words, tags):
    """(word ids, tag ids for the loss, gold tag strings for scoring) per utterance."""
    return [([words.get(w, 0) for w in ws], [tags.get(t, 0) for t in ts], ts) for ws, ts in data]


def batches(enc, size, order):
    for i in range(0, len(order), size):
        idx = order[i:i + size]
        L = max(len(enc[j][0]) for j in idx)
        x = torch.zeros(len(idx), L, dtype=torch.long)
        y = torch.full((len(idx), L), -100, dtype=torch.long)  # -100 = padding, ignored
        for r, j in enumerate(idx):
            n = len(enc[j][0])
            x[r, :n] = torch.tensor(enc[j][0])
            y[r, :n] = torch.tensor(enc[j][1])
        yield idx, x, y


# ---------------------------------------------------------------- metric
def chunks(tags):
    """Set of (start, end_inclusive, type) chunks, conlleval rules for BIO tags."""
    out, start, typ = set(), None, None
    for i, t in enumerate(list(tags) + ["O"]):
        pre, cur = (t[0], t[2:]) if t != "O" else ("O", None)
        begins = pre == "B" or (pre == "I" and (typ is None or cur != typ))
        if start is not None and (pre == "O" or begins):
            out.add((start, i - 1, typ))
            start, typ = None, None
        if begins:
            start, typ = i, cur
    return out


def slot_f1(gold_seqs, pred_seqs):
    ng = npred = ok = 0
    for g, p in zip(gold_seqs, pred_seqs):
        G, P = chunks(g), chunks(p)
        ng, npred, ok = ng + len(G), npred + len(P), ok + len(G & P)
    prec = ok / npred if npred else 0.0
    rec = ok / ng if ng else 0.0
    return 100.0 * 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0


def self_test():
    c = chunks
    assert c("B-a I-a O B-b".split()) == {(0, 1, "a"), (3, 3, "b")}
    assert c("I-a I-a O".split()) == {(0, 1, "a")}                    # I after start
    assert c("O I-a B-a I-a".split()) == {(1, 1, "a"), (2, 3, "a")}   # B splits
    assert c("B-a I-b I-b".split()) == {(0, 0, "a"), (1, 2, "b")}     # type change
    assert c("B-a B-a".split()) == {(0, 0, "a"), (1, 1, "a")}
    assert c("O O".split()) == set()
    assert c("B-a.x I-a.x".split()) == {(0, 1, "a.x")}
    g = ["B-a I-a O B-b".split()]
    assert slot_f1(g, g) == 100.0
    assert abs(slot_f1(g, ["B-a O O B-b".split()]) - 50.0) < 1e-9   # P=1/2 R=1/2
    assert abs(slot_f1(g, ["B-a I-a O O".split()]) - 200 / 3) < 1e-9  # P=1 R=1/2
    assert slot_f1(g, ["O O O O".split()]) == 0.0
    print("F1 self-test ok")


# ---------------------------------------------------------------- model
class Tagger(nn.Module):
    def __init__(self, nwords, ntags, emb=64, hid=128, drop=0.5):
        super().__init__()
        self.emb = nn.Embedding(nwords, emb)
        self.lstm = nn.LSTM(emb, hid, num_layers=1, batch_first=True)  # default init
        self.drop = nn.Dropout(drop)
        self.out = nn.Linear(hid, ntags)
        nn.init.uniform_(self.emb.weight, -0.1, 0.1)
        nn.init.uniform_(self.out.weight, -0.1, 0.1)
        nn.init.zeros_(self.out.bias)

    def forward(self, x):
        # right padding: a unidirectional LSTM never lets pads affect real tokens
        h, _ = self.lstm(self.drop(self.emb(x)))
        return self.out(self.drop(h))


def evaluate(model, enc, id2tag):
    """(mean token loss, slot F1) with dropout off."""
    model.eval()
    tot, ntok, preds = 0.0, 0, [None] * len(enc)
    with torch.no_grad():
        for idx, x, y in batches(enc, 256, list(range(len(enc)))):
            logits = model(x)
            tot += nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1),
                                               ignore_index=-100, reduction="sum").item()
            ntok += int((y != -100).sum())
            best = logits.argmax(-1)
            for r, j in enumerate(idx):
                preds[j] = [id2tag[k] for k in best[r, :len(enc[j][0])].tolist()]
    return tot / ntok, slot_f1([e[2] for e in enc], preds)


# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--schedule", choices=["constant", "plateau"], default="constant")
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--out", default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--lr", type=float, default=10.0)
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    self_test()
    if a.self_test:
        return
    torch.set_num_threads(1)
    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)

    train = read_iob(DATA + TRAIN)
    words, tags = build_vocab(train)
    id2tag = {i: t for t, i in tags.items()}
    tr, va, te = (encode(d, words, tags) for d in (train, read_iob(DATA + VALID), read_iob(DATA + TEST)))
    print(f"train {len(tr)} valid {len(va)} test {len(te)} words {len(words)} tags {len(tags)}",
          file=sys.stderr)

    model = Tagger(len(words), len(tags))
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, weight_decay=1e-4)
    gen = torch.Generator().manual_seed(a.seed)
    best_vloss, best_f1, best = float("inf"), -1.0, None
    out = open(a.out, "w") if a.out else sys.stdout
    print("epoch\ttrain_loss\tvalid_loss\tvalid_f1\ttest_f1\tlr\tseconds", file=out, flush=True)
    for ep in range(1, a.epochs + 1):
        t0 = time.time()
        lr = opt.param_groups[0]["lr"]  # lr used during this epoch
        model.train()
        tot, ntok = 0.0, 0
        order = torch.randperm(len(tr), generator=gen).tolist()
        for _, x, y in batches(tr, 128, order):
            logits = model(x)
            loss = nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1),
                                               ignore_index=-100)  # mean over real tokens
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()  # weight decay is added by SGD after clipping
            n = int((y != -100).sum())
            tot, ntok = tot + loss.item() * n, ntok + n
        vloss, vf1 = evaluate(model, va, id2tag)
        _, tf1 = evaluate(model, te, id2tag)
        secs = time.time() - t0
        print(f"{ep}\t{tot / ntok:.6f}\t{vloss:.6f}\t{vf1:.4f}\t{tf1:.4f}\t{lr:g}\t{secs:.2f}",
              file=out, flush=True)
        if vf1 > best_f1:  # keep the first epoch reaching the highest valid F1
            best_f1, best = vf1, (ep, vf1, tf1)
        if a.schedule == "plateau":
            if vloss < best_vloss:
                best_vloss = vloss
            else:
                for g in opt.param_groups:
                    g["lr"] /= 4.0
    print(f"# best_valid_epoch {best[0]} valid_f1 {best[1]:.4f} test_f1 {best[2]:.4f} "
          f"last_test_f1 {tf1:.4f}", file=out, flush=True)


if __name__ == "__main__":
    main()
