"""Compare out-of-domain scores for model.onnx on the sets from make_sets.py.

  /usr/bin/python3 bench/ood/make_sets.py     # once
  /usr/bin/python3 bench/ood/compare.py [--model model.onnx] [--refresh]

Features are computed once with the torch evaluator (training/common.run_onnx_torch)
and cached in bench/ood/data/features-<model>.npz. Protocol:
  * Gaussians / statistics are fitted on the 60,000 Fashion-MNIST training images;
  * the threshold is calibrated on held-out in-domain images: t10k images 0-4999
    (the 95th percentile of their scores, i.e. 5 % false warnings by construction);
  * AUROC is computed between t10k images 5000-9999 (in-domain) and each OOD set;
  * false warnings are reported on 5000-9999 and on all 10,000 test images;
  * "det@t" is the share of an OOD set above the calibrated threshold (TPR).
Higher score = less like the training data for every method.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "training"))
from common import FASHION_MEAN, FASHION_STD, load_fashion, run_onnx_torch  # noqa: E402
import ood  # noqa: E402

OOD_SETS = ["digits", "letters", "photos", "faces", "shapes", "noise", "icons"]
SHIFTED = ["fashion-inverted", "fashion-blurred", "fashion-rot90"]
CONV_RELUS = ["/2/Relu_output_0", "/5/Relu_output_0", "/9/Relu_output_0", "/12/Relu_output_0",
              "/13/MaxPool_output_0"]
PEN, PRE = "/17/Relu_output_0", "/16/BatchNormalization_output_0"


def auroc(inn, out):
    """P(score_out > score_in) + 0.5 P(tie), via ranks."""
    s = np.concatenate([inn, out])
    order = s.argsort(kind="mergesort")
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    # average ranks for ties
    _, inv, cnt = np.unique(s, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, ranks)
    ranks = sums[inv] / cnt[inv]
    r_out = ranks[len(inn):].sum()
    return (r_out - len(out) * (len(out) + 1) / 2) / (len(inn) * len(out))


def norm(x):
    return ((x.astype(np.float32) / 255.0 - FASHION_MEAN) / FASHION_STD)[:, None]


def features(model_path, refresh):
    import onnx
    import torch
    torch.set_num_threads(1)
    cache = os.path.join(HERE, "data", f"features-{os.path.basename(model_path)}.npz")
    if os.path.exists(cache) and not refresh:
        z = np.load(cache)
        return {k: z[k] for k in z.files}
    m = onnx.load(model_path)
    # pooled conv activations as extra tensors (GlobalAveragePool -> Flatten)
    names = ["logits", PEN, PRE]
    for j, t in enumerate(CONV_RELUS):
        m.graph.node.add(op_type="GlobalAveragePool", input=[t], output=[f"gap{j}"])
        m.graph.node.add(op_type="Flatten", input=[f"gap{j}"], output=[f"gapf{j}"])
        names.append(f"gapf{j}")
    keys = ["logits", "pen", "pre", "c1", "c2", "c3", "c4", "pool"]
    sets = {"train": load_fashion("train")[0], "test": load_fashion("t10k")[0]}
    for s in OOD_SETS + SHIFTED:
        sets[s] = np.load(os.path.join(HERE, "data", f"{s}.npy"))
    out = {}
    for s, x in sets.items():
        t0 = time.time()
        res = run_onnx_torch(m, norm(x), names)
        for k, r in zip(keys, res):
            out[f"{s}:{k}"] = r
        print(f"  features {s}: {len(x)} images {time.time() - t0:.0f}s", flush=True)
    out["train:y"] = load_fashion("train")[1]
    out["test:y"] = load_fashion("t10k")[1]
    np.savez(cache, **out)
    return out


def logsumexp(l):
    m = l.max(1, keepdims=True)
    return (m + np.log(np.exp(l - m).sum(1, keepdims=True)))[:, 0]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=os.path.join(ROOT, "model.onnx"))
    p.add_argument("--refresh", action="store_true")
    p.add_argument("--stamped", help="also evaluate this model's in-graph ood_distance + its metadata "
                                     "quantiles/threshold (default: --model if it has them)")
    p.add_argument("--json", default=os.path.join(HERE, "data", "results.json"))
    a = p.parse_args()
    if a.stamped is None:
        import onnx
        if any(o.name == ood.DISTANCE_OUTPUT for o in onnx.load(a.model).graph.output):
            a.stamped = a.model
    F = features(a.model, a.refresh)
    ytr = F["train:y"]
    names = ["test-cal", "test-eval"] + OOD_SETS + SHIFTED

    def get(s, k):
        if s == "test-cal":
            return F[f"test:{k}"][:5000]
        if s == "test-eval":
            return F[f"test:{k}"][5000:]
        return F[f"{s}:{k}"]

    # ---- fitted statistics (on the training set) ----
    t0 = time.time()
    fits = {k: ood.fit_gaussians(F[f"train:{k}"], ytr) for k in ["pen", "pre", "c1", "c2", "c3", "c4", "pool"]}
    fits["pen-l2"] = ood.fit_gaussians(ood.l2n(F["train:pen"]), ytr)
    fits["pre-l2"] = ood.fit_gaussians(ood.l2n(F["train:pre"]), ytr)
    fits["pen-r1"] = ood.fit_gaussians(F["train:pen"], ytr, ridge=0.1)
    print(f"fitted Gaussians in {time.time() - t0:.1f}s", flush=True)

    def maha(k, s, relative=False):
        src = k.split("-")[0]
        f = get(s, src)
        if k.endswith("l2"):
            f = ood.l2n(f)
        return ood.mahalanobis(fits[k], f, relative=relative)

    def zs(fn):  # standardise a score with its calibration mean/std (for sums)
        c = fn("test-cal")
        mu, sd = c.mean(), c.std() + 1e-12
        return lambda s: (fn(s) - mu) / sd

    methods = {
        "max-softmax": lambda s: 1 - np.exp(get(s, "logits").max(1) - logsumexp(get(s, "logits"))),
        "max-logit": lambda s: -get(s, "logits").max(1),
        "energy": lambda s: -logsumexp(get(s, "logits")),
        "maha pen (post-ReLU 128)": lambda s: maha("pen", s),
        "maha pen, ridge 0.1": lambda s: maha("pen-r1", s),
        "maha pen, L2-normalised": lambda s: maha("pen-l2", s),
        "rel. maha pen": lambda s: maha("pen", s, True),
        "maha pre (pre-ReLU 128)": lambda s: maha("pre", s),
        "maha pre, L2-normalised": lambda s: maha("pre-l2", s),
        "rel. maha pre": lambda s: maha("pre", s, True),
        "maha conv1 GAP (32)": lambda s: maha("c1", s),
        "maha conv2 GAP (32)": lambda s: maha("c2", s),
        "maha conv3 GAP (64)": lambda s: maha("c3", s),
        "maha conv4 GAP (64)": lambda s: maha("c4", s),
        "maha pooled map GAP (64)": lambda s: maha("pool", s),
    }
    zpen, zpre, zen = zs(methods["maha pen (post-ReLU 128)"]), zs(methods["maha pre (pre-ReLU 128)"]), zs(methods["energy"])
    zc = [zs(methods[f"maha conv{j} GAP ({d})"]) for j, d in zip(range(1, 5), (32, 32, 64, 64))]
    methods["maha pen + energy (z-sum)"] = lambda s: zpen(s) + zen(s)
    methods["maha pre + energy (z-sum)"] = lambda s: zpre(s) + zen(s)
    methods["maha pen + conv4 (z-sum)"] = lambda s: zpen(s) + zc[3](s)
    zpool = zs(methods["maha pooled map GAP (64)"])
    methods["maha pen + pooled (z-sum)"] = lambda s: zpen(s) + zpool(s)
    methods["maha pen + pooled + energy"] = lambda s: zpen(s) + zpool(s) + zen(s)
    methods["maha pen + conv1..4 (z-sum)"] = lambda s: zpen(s) + sum(z(s) for z in zc)
    methods["maha pre + conv1..4 (z-sum)"] = lambda s: zpre(s) + sum(z(s) for z in zc)

    if a.stamped:
        import onnx
        sm = onnx.load(a.stamped)
        meta = {q.key: json.loads(q.value) for q in sm.metadata_props if q.key in ("ood", "drift_reference")}
        cache = {}

        def shipped(s, what="raw"):
            if s not in cache:
                x = {"test-cal": load_fashion("t10k")[0][:5000], "test-eval": load_fashion("t10k")[0][5000:]}.get(s)
                x = np.load(os.path.join(HERE, "data", f"{s}.npy")) if x is None else x
                cache[s] = run_onnx_torch(sm, norm(x), [meta["ood"]["output"]])[0]
            return cache[s] if what == "raw" else ood.score_from_quantiles(cache[s], meta["ood"]["quantiles"])
        methods["CHOSEN: pen+pooled+energy, graph"] = shipped
        methods["CHOSEN, as score in [0,1]"] = lambda s: shipped(s, "score")

    results = {}
    hdr = f"{'method':30s} " + " ".join(f"{n[:9]:>9s}" for n in OOD_SETS + SHIFTED) + "   min-ood  FW-eval  FW-10k"
    print("\nAUROC (in-domain = t10k 5000-9999), false warnings at the 95th percentile of t10k 0-4999")
    print(hdr)
    for name, fn in methods.items():
        sc = {s: fn(s) for s in names}
        thr = meta["ood"]["threshold"] if name.startswith("CHOSEN, as score") else np.quantile(sc["test-cal"], 0.95)
        row = {s: auroc(sc["test-eval"], sc[s]) for s in OOD_SETS + SHIFTED}
        fw_eval = float((sc["test-eval"] > thr).mean())
        fw_all = float((np.concatenate([sc["test-cal"], sc["test-eval"]]) > thr).mean())
        det = {s: float((sc[s] > thr).mean()) for s in OOD_SETS + SHIFTED}
        results[name] = {"auroc": row, "fw_eval": fw_eval, "fw_10k": fw_all, "detected": det}
        print(f"{name:30s} " + " ".join(f"{row[s]:9.3f}" for s in OOD_SETS + SHIFTED) +
              f"   {min(row[s] for s in OOD_SETS):7.3f}  {fw_eval * 100:6.2f}%  {fw_all * 100:5.2f}%", flush=True)
    print("\ndetected at the calibrated threshold (share of each set warned)")
    print(hdr.replace("   min-ood  FW-eval  FW-10k", ""))
    for name, r in results.items():
        print(f"{name:30s} " + " ".join(f"{r['detected'][s]:9.3f}" for s in OOD_SETS + SHIFTED))

    # gap between training-image scores and unseen-image scores (why we calibrate on t10k)
    for name in ["maha pen (post-ReLU 128)", "maha pre (pre-ReLU 128)"]:
        k = "pen" if "pen" in name else "pre"
        tr = ood.mahalanobis(fits[k], F[f"train:{k}"][:10000])
        cal = methods[name]("test-cal")
        thr_tr = np.quantile(tr, 0.95)
        print(f"{name}: 95th pct on training images {thr_tr:.1f} vs held-out t10k {np.quantile(cal, 0.95):.1f}; "
              f"a threshold taken on training images would warn {(methods[name]('test-eval') > thr_tr).mean() * 100:.1f} % of test")
    with open(a.json, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
