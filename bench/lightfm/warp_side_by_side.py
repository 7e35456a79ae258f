#!/usr/bin/env python3
"""LightFM side of bench/warp.ts: WARP on the same synthetic ML-1M-shaped split, same settings.

The split comes from bench/warp.ts (6,040 users x 3,706 items, ~675 K train positives, 10 % of
each user held out), written once with

    BENCH_WRITE=/tmp/warp-data BENCH_RUNS=0 node --import tsx bench/warp.ts

LightFM WARP, 64 factors, lr 0.05 (Adagrad, LightFM's default schedule), max_sampled 10, no
regularisation, 10 epochs, identity features (plain user/item embeddings plus biases). Epoch
time is LightFM's own `_run_epoch` (its per-epoch CSR conversion, shuffle and the OpenMP loop),
timed by wrapping it, so it is comparable with tastebud's history.epochs seconds. Prints one
JSON object per thread count in the shape of bench/warp.ts's rows:

    {"run": 0, "threads": 2, "positives": ..., "medianPositivesPerSecond": ..., "epochSeconds": [...],
     "precision@10": ..., "auc": ..., "lightfm": "1.17"}

Run (needs LightFM built with OpenMP, numpy and scipy; tastebud itself needs none of them):

    PYTHONPATH=/tmp/lightfm-src python3 bench/lightfm/warp_side_by_side.py --data /tmp/warp-data --threads 2 1

P@10 and AUC as src/eval/ranking.ts computes them: every item ranked except the user's train
positives, P@10 divided by 10, AUC per user (mean over users with >= 1 test positive), ties half.
"""
import argparse
import json
import os
import time

import numpy as np

FACTORS, LR, EPOCHS, MAX_SAMPLED = 64, 0.05, 10, 10


def load(data_dir):
    with open(os.path.join(data_dir, "meta.json")) as f:
        meta = json.load(f)

    def col(name):
        return np.fromfile(os.path.join(data_dir, name), dtype="<i4")

    return meta, (col("train.users.i32"), col("train.items.i32")), (col("test.users.i32"), col("test.items.i32"))


def evaluate(scores, train, test, n_users, n_items):
    train_mask = np.zeros((n_users, n_items), dtype=bool)
    train_mask[train[0], train[1]] = True
    test_mask = np.zeros((n_users, n_items), dtype=bool)
    test_mask[test[0], test[1]] = True
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


def run(meta, train, test, threads, seed, run_index, epochs):
    import lightfm  # only here: --summarise runs without LightFM
    import scipy.sparse as sp
    from lightfm import LightFM

    n_users, n_items = meta["users"], meta["items"]
    ones = np.ones(len(train[0]), dtype=np.float32)
    interactions = sp.coo_matrix((ones, (train[0], train[1])), shape=(n_users, n_items))
    model = LightFM(no_components=FACTORS, loss="warp", learning_rate=LR, max_sampled=MAX_SAMPLED, random_state=seed)
    epoch_seconds, epoch_cpu = [], []
    inner = model._run_epoch

    def timed(*args, **kwargs):
        t0, c0 = time.perf_counter(), time.process_time()
        out = inner(*args, **kwargs)
        epoch_seconds.append(time.perf_counter() - t0)
        epoch_cpu.append(time.process_time() - c0)  # every thread of the process
        return out

    model._run_epoch = timed
    t_fit = time.perf_counter()
    model.fit(interactions, epochs=epochs, num_threads=threads)
    fit_seconds = time.perf_counter() - t_fit
    item_bias, item_emb = model.get_item_representations()
    user_bias, user_emb = model.get_user_representations()
    # Same ranking as model.predict: user bias included though it never changes a user's order.
    scores = user_emb @ item_emb.T + item_bias[None, :] + user_bias[:, None]
    p10, auc = evaluate(scores, train, test, n_users, n_items)
    return {
        "run": run_index,
        "threads": threads,
        "positives": int(len(train[0])),
        "medianPositivesPerSecond": round(len(train[0]) / float(np.median(epoch_seconds))),
        # Per CPU-second of the epochs only (tastebud's figure also counts its fit's set-up).
        "positivesPerCpuSecond": round(len(train[0]) * len(epoch_cpu) / sum(epoch_cpu)),
        "fitSeconds": round(fit_seconds, 2),
        "epochSeconds": [round(x, 3) for x in epoch_seconds],
        "precision@10": round(p10, 4),
        "auc": round(auc, 4),
        "lightfm": lightfm.__version__,
        "load": [round(x, 1) for x in os.getloadavg()],
    }


def summarise(path):
    """Medians per library and thread count, and tastebud / LightFM per round (run) then its median."""
    rows = [json.loads(line) for line in open(path) if line.startswith("{")]
    out = []
    for t in sorted({r["threads"] for r in rows}, reverse=True):
        libs = sorted({r["library"] for r in rows})
        by = {lib: [r for r in rows if r["library"] == lib and r["threads"] == t] for lib in libs}
        entry = {"threads": t}
        for lib, rs in by.items():
            if rs:
                entry[lib] = {
                    "runs": len(rs),
                    "medianPositivesPerSecond": float(np.median([r["medianPositivesPerSecond"] for r in rs])),
                    "medianPositivesPerCpuSecond": float(np.median([r["positivesPerCpuSecond"] for r in rs])),
                    "medianPrecisionAt10": float(np.median([r["precision@10"] for r in rs])),
                    "medianAuc": float(np.median([r["auc"] for r in rs])),
                    "load1": [r["load"][0] for r in rs],
                }
        # Ratios within a round (the runs next to each other in time), then their median.
        for lib in libs:
            for ref in libs:
                if lib == ref or (ref != "lightfm" and lib != "tastebud"):
                    continue
                for key, name in (("medianPositivesPerSecond", "wall"), ("positivesPerCpuSecond", "cpu")):
                    base = {r["run"]: r[key] for r in by[ref]}
                    ratios = [r[key] / base[r["run"]] for r in by[lib] if r["run"] in base]
                    if ratios:
                        entry[f"{lib}/{ref} {name}"] = {"perRound": [round(x, 2) for x in ratios], "median": round(float(np.median(ratios)), 2)}
        out.append(entry)
    print(json.dumps(out, indent=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="/tmp/warp-data", help="directory bench/warp.ts wrote with BENCH_WRITE")
    ap.add_argument("--threads", type=int, nargs="+", default=[2, 1])
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--first-run", type=int, default=0, help="index of the first run (seed = run + 1, as bench/warp.ts)")
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--summarise", metavar="JSONL", help="only summarise the rows of bench/lightfm/run-warp.sh")
    args = ap.parse_args()
    if args.summarise:
        summarise(args.summarise)
        return
    meta, train, test = load(args.data)
    for r in range(args.first_run, args.first_run + args.runs):
        for t in args.threads:
            print(json.dumps(run(meta, train, test, t, r + 1, r, args.epochs)), flush=True)


if __name__ == "__main__":
    main()
