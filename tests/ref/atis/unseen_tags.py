#!/usr/bin/python3
"""Counts test/valid tags absent from atis-2.train and the F1 upper bound they imply.
Part of the independent ATIS check (not a runtime dependency of srm)."""
from atis_peer import DATA, TRAIN, VALID, TEST, read_iob, build_vocab, chunks, slot_f1

train = read_iob(DATA + TRAIN)
_, tags = build_vocab(train)
for name, f in (("valid", VALID), ("test", TEST)):
    data = read_iob(DATA + f)
    gold = [ts for _, ts in data]
    ntok = sum(len(g) for g in gold)
    unseen_tok = [t for g in gold for t in g if t not in tags]
    ng = sum(len(chunks(g)) for g in gold)
    bad = sum(1 for g in gold for (s, e, _) in chunks(g) if any(t not in tags for t in g[s:e + 1]))
    # best prediction possible with train tags: every seen tag right, each chunk that
    # contains an unseen tag predicted entirely as O (no spurious chunk)
    best = []
    for g in gold:
        p = list(g)
        for s, e, _ in chunks(g):
            if any(t not in tags for t in g[s:e + 1]):
                p[s:e + 1] = ["O"] * (e - s + 1)
        best.append(p)
    # the naive alternative: the loss target (unseen tags -> O), scored as is
    naive = [[t if t in tags else "O" for t in g] for g in gold]
    print(f"{name}: tokens {ntok}, unseen-tag tokens {len(unseen_tok)}, distinct unseen tags "
          f"{sorted(set(unseen_tok))}, gold chunks {ng}, chunks with unseen tags {bad}")
    print(f"  upper bound F1 {slot_f1(gold, best):.4f} (formula 2(G-k)/(2G-k) = "
          f"{100 * 2 * (ng - bad) / (2 * ng - bad):.4f}); loss-target-as-prediction F1 "
          f"{slot_f1(gold, naive):.4f}")
