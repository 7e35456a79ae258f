#!/usr/bin/env python3
"""PyTorch side of bench/train-deep.ts's `ncf-lightfm-ua-*` cases: the same NCF, data and settings.

NCF, MLP variant (He et al. 2017) on ML-100K `lightfm-ua`: train = ua.base ratings >= 4,
test = ua.test ratings >= 4, every item ranked except the user's train positives. Embeddings
32 + 32 (normal, std 0.05) -> Linear 64->64 ReLU -> Linear 64->32 ReLU (He normal) -> Linear
32->1 (Glorot uniform), biases 0. BCE on the logit, 4 negatives per positive drawn uniformly
from the items the user has no train positive on, Adam lr 1e-3, batches of 255 rows (51
positives + their 204 negatives: tastebud's batchSize 256), 20 epochs, one fresh shuffle per
epoch. Prints one JSON object per thread count in the shape of the tastebud rows:

    {"case": "pytorch-ncf-lightfm-ua-1t", "threads": 1, "secondsPerEpoch": ..., "cpuSecondsPerEpoch": ...,
     "rowsPerSecond": ..., "rowsPerCpuSecond": ..., "loadAverage": ...,
     "fitSeconds": ..., "epochSeconds": [...], "precision@10": ..., "auc": ...}

Run (needs torch and numpy; tastebud itself does not):

    python3 bench/pytorch/ncf_lightfm_ua.py --data-dir ../shared/data --threads 1 2

(Debian's python3-torch 1.13 works: /usr/bin/python3.) cpuSecondsPerEpoch is time.process_time()
over the epoch (every thread of the process), median from the 2nd epoch on.

AUC is per user (mean over users with >= 1 test positive), ties counted half, as
src/eval/ranking.ts computes it.

Validation mode (never test): `--split-dir DIR` trains on DIR/fit.tsv and measures on
DIR/validation.tsv (external user and item ids, one pair a line), tastebud's own validation carve
written by bench/pytorch/write-validation-split.ts; the row's "split" says which was measured.
`--embedding-adam sparse` trains the embeddings with `sparse=True` and torch.optim.SparseAdam
(moments and weights of the rows a batch touched only, one step count per table: lazy Adam) and
the MLP with Adam, instead of Adam on dense embedding gradients (the default, `dense`).
`--init pytorch` keeps PyTorch's default initialisation (nn.Embedding N(0, 1), nn.Linear
Kaiming-uniform(a=sqrt(5)) with bias U(+-1/sqrt(fan_in))) instead of the script's (above).
"""
import argparse
import json
import os
import time

import numpy as np
import torch
from torch import nn

FACTORS, LAYERS, NEGATIVES, LR, BATCH, EPOCHS, INIT_STD = 32, (64, 32), 4, 1e-3, 256, 20, 0.05


def read_positives(path, threshold=4):
    a = np.loadtxt(path, dtype=np.int64, usecols=(0, 1, 2))
    a = a[a[:, 2] >= threshold]
    return a[:, 0] - 1, a[:, 1] - 1  # ML-100K ids are 1-based


class NCF(nn.Module):
    def __init__(self, users, items, sparse=False, init="script"):
        super().__init__()
        self.user = nn.Embedding(users, FACTORS, sparse=sparse)
        self.item = nn.Embedding(items, FACTORS, sparse=sparse)
        dims = [2 * FACTORS, *LAYERS]
        if init == "pytorch":
            self.mlp = nn.Sequential(*[m for a, b in zip(dims, dims[1:]) for m in (nn.Linear(a, b), nn.ReLU())])
            self.out = nn.Linear(LAYERS[-1], 1)
            return
        nn.init.normal_(self.user.weight, std=INIT_STD)
        nn.init.normal_(self.item.weight, std=INIT_STD)
        hidden = []
        for a, b in zip(dims, dims[1:]):
            layer = nn.Linear(a, b)
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            nn.init.zeros_(layer.bias)
            hidden += [layer, nn.ReLU()]
        self.mlp = nn.Sequential(*hidden)
        self.out = nn.Linear(LAYERS[-1], 1)
        nn.init.xavier_uniform_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, u, i):
        return self.out(self.mlp(torch.cat([self.user(u), self.item(i)], dim=1))).squeeze(1)


def sample_negatives(users, seen_sets, n_items, rng):
    """NEGATIVES items per positive, uniform over the items the user has no train positive on."""
    neg = rng.integers(0, n_items, size=(len(users), NEGATIVES))
    for r, u in enumerate(users):
        s = seen_sets[u]
        for k in range(NEGATIVES):
            while neg[r, k] in s:
                neg[r, k] = rng.integers(0, n_items)
    return neg


def evaluate(model, n_users, n_items, train_u, train_i, test_u, test_i):
    with torch.no_grad():
        items = torch.arange(n_items)
        scores = np.stack([model(torch.full((n_items,), u, dtype=torch.long), items).numpy() for u in range(n_users)])
    train_mask = np.zeros((n_users, n_items), dtype=bool)
    train_mask[train_u, train_i] = True
    test_mask = np.zeros((n_users, n_items), dtype=bool)
    test_mask[test_u, test_i] = True
    test_mask &= ~train_mask
    p10, aucs = [], []
    for u in range(n_users):
        pos = test_mask[u]
        if not pos.any():
            continue
        cand = ~train_mask[u]
        s = scores[u, cand]
        rel = pos[cand]
        top = np.argsort(-s, kind="stable")[:10]
        p10.append(rel[top].sum() / 10)
        # Mann-Whitney AUC with average ranks for ties.
        order = np.argsort(s, kind="stable")
        ranks = np.empty(len(s))
        ranks[order] = np.arange(1, len(s) + 1)
        _, inv, counts = np.unique(s, return_inverse=True, return_counts=True)
        sums = np.bincount(inv, weights=ranks)
        ranks = (sums / counts)[inv]
        n_pos, n_neg = rel.sum(), (~rel).sum()
        if n_neg > 0:
            aucs.append((ranks[rel].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
    return float(np.mean(p10)), float(np.mean(aucs))


def read_pairs(path):
    a = np.loadtxt(path, dtype=np.int64, usecols=(0, 1))
    return a[:, 0] - 1, a[:, 1] - 1


def run(data_dir, threads, seed, epochs=EPOCHS, split_dir=None, embedding_adam="dense", init="script", curve=False):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    base = os.path.join(data_dir, "ml-100k")
    if split_dir:
        train_u, train_i = read_pairs(os.path.join(split_dir, "fit.tsv"))
        test_u, test_i = read_pairs(os.path.join(split_dir, "validation.tsv"))
    else:
        train_u, train_i = read_positives(os.path.join(base, "ua.base"))
        test_u, test_i = read_positives(os.path.join(base, "ua.test"))
    n_users, n_items = 943, 1682
    seen_sets = [set() for _ in range(n_users)]
    for u, i in zip(train_u, train_i):
        seen_sets[u].add(i)
    sparse = embedding_adam == "sparse"
    model = NCF(n_users, n_items, sparse=sparse, init=init)
    if sparse:
        tables = [model.user.weight, model.item.weight]
        dense = [p for p in model.parameters() if all(p is not t for t in tables)]
        opts = [torch.optim.SparseAdam(tables, lr=LR), torch.optim.Adam(dense, lr=LR)]
    else:
        opts = [torch.optim.Adam(model.parameters(), lr=LR)]
    loss_fn = nn.BCEWithLogitsLoss()
    per_batch = BATCH // (1 + NEGATIVES)
    epoch_seconds, epoch_cpu, p10_curve = [], [], []
    t_fit = time.perf_counter()
    for _ in range(epochs):
        t0 = time.perf_counter()
        c0 = time.process_time()  # CPU seconds of the whole process, every thread
        order = rng.permutation(len(train_u))
        loss_sum, loss_rows = 0.0, 0
        for s in range(0, len(order), per_batch):
            idx = order[s : s + per_batch]
            u, i = train_u[idx], train_i[idx]
            neg = sample_negatives(u, seen_sets, n_items, rng)
            users = torch.from_numpy(np.concatenate([u, np.repeat(u, NEGATIVES)]))
            items = torch.from_numpy(np.concatenate([i, neg.reshape(-1)]))
            labels = torch.cat([torch.ones(len(u)), torch.zeros(len(u) * NEGATIVES)])
            for opt in opts:
                opt.zero_grad()
            loss = loss_fn(model(users, items), labels)
            loss.backward()
            for opt in opts:
                opt.step()
            loss_sum += float(loss) * len(labels)
            loss_rows += len(labels)
        epoch_seconds.append(time.perf_counter() - t0)
        epoch_cpu.append(time.process_time() - c0)
        if curve:  # outside the timed epoch
            p10_curve.append(round(evaluate(model, n_users, n_items, train_u, train_i, test_u, test_i)[0], 4))
    fit_seconds = time.perf_counter() - t_fit
    p10, auc = evaluate(model, n_users, n_items, train_u, train_i, test_u, test_i)
    spe = float(np.median(epoch_seconds))
    # From the 2nd epoch on, as bench/train-deep.ts does.
    cpe = float(np.median(epoch_cpu[1:]))
    return {
        "case": f"pytorch-ncf-lightfm-ua-{threads}t",
        "split": "validation" if split_dir else "test",
        "embeddingAdam": embedding_adam,
        "init": init,
        "seed": seed,
        "threads": threads,
        "epochs": epochs,
        "torch": torch.__version__,
        "positives": int(len(train_u)),
        "secondsPerEpoch": round(spe, 3),
        "cpuSecondsPerEpoch": round(cpe, 3),
        "rowsPerSecond": round(len(train_u) * (1 + NEGATIVES) / spe),
        "rowsPerCpuSecond": round(len(train_u) * (1 + NEGATIVES) / cpe),
        "loadAverage": round(os.getloadavg()[0], 2),
        "fitSeconds": round(fit_seconds, 2),
        "epochSeconds": [round(x, 3) for x in epoch_seconds],
        "precision@10": round(p10, 4),
        "auc": round(auc, 4),
        "lastLoss": round(loss_sum / loss_rows, 5),  # mean BCE per row over the last epoch, as tastebud's history
        **({"curve": p10_curve} if curve else {}),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=os.environ.get("TASTEBUD_DATA_DIR", "../shared/data"))
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=EPOCHS, help="20 for the comparison's quality; fewer to time epochs only")
    ap.add_argument("--split-dir", default=None, help="validation mode: DIR/fit.tsv and DIR/validation.tsv (bench/pytorch/write-validation-split.ts)")
    ap.add_argument("--embedding-adam", choices=["dense", "sparse"], default="dense", help="dense: Adam on dense embedding gradients; sparse: SparseAdam (lazy)")
    ap.add_argument("--init", choices=["script", "pytorch"], default="script", help="script: the init above; pytorch: PyTorch's module defaults")
    ap.add_argument("--curve", action="store_true", help="P@10 after every epoch (untimed), as tastebud's validation curve")
    args = ap.parse_args()
    for t in args.threads:
        print(json.dumps(run(args.data_dir, t, args.seed, args.epochs, args.split_dir, args.embedding_adam, args.init, args.curve)), flush=True)


if __name__ == "__main__":
    main()
