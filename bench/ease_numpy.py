"""numpy/OpenBLAS EASE on the same data as bench/ease.ts, for a side-by-side timing.

Reads int32 (user, item) pairs from argv[1] (users, items, count in argv[2..4]), lambda argv[5];
prints one JSON line: seconds for the Gram matrix, the inverse and B, in float64 (the usual
numpy EASE: P = inv(XᵀX + λI), B = −P / diag(P)).
"""
import json
import sys
import time

import numpy as np
import scipy.sparse as sp

path, users, items, count, lam = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
pairs = np.fromfile(path, dtype=np.int32).reshape(count, 2)
x = sp.csr_matrix((np.ones(count, dtype=np.float64), (pairs[:, 0], pairs[:, 1])), shape=(users, items))
x.data[:] = 1.0
t0 = time.perf_counter()
g = (x.T @ x).toarray()
g[np.diag_indices(items)] += lam
t1 = time.perf_counter()
p = np.linalg.inv(g)
t2 = time.perf_counter()
b = p / (-np.diag(p))
b[np.diag_indices(items)] = 0
t3 = time.perf_counter()
print(json.dumps({"gramSeconds": t1 - t0, "inverseSeconds": t2 - t1, "weightsSeconds": t3 - t2, "seconds": t3 - t0, "numpy": np.__version__}))
