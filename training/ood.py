"""Out-of-domain (OOD) score: fit, put into the ONNX graph, calibrate, stamp metadata.

Shared by train.py, export_fastai.py and add_metadata.py. Needs numpy and onnx only
(no dataset; the caller passes a `run(model, x, names)` evaluator, e.g.
common.run_onnx_torch, and batches of in-domain images).

Method (chosen by bench/ood/compare.py, see bench/ood/README.md), all fitted on the
training images:
  * penultimate features f1 (the input of the last linear layer) and, if the head
    flattens a feature map with a linear layer in between, that map
    global-average-pooled, f2 (our CNN: 64x7x7 -> 64);
  * for each, class-conditional Gaussians with one shared covariance S; the term is
    the squared Mahalanobis distance to the nearest class mean
        d(f) = min_c (f - mu_c)^T S^-1 (f - mu_c);
  * plus the energy -logsumexp(logits);
  * each term divided by its standard deviation on the training images, summed:
        raw = d1(f1)/s1 + d2(f2)/s2 - logsumexp(logits)/s3.
The graph gets this as constants (14 nodes; see add_distance_to_graph) and two new
outputs, `features` [batch, D] and `ood_distance` [batch] = raw; `logits` stays
first and unchanged. raw -> score in [0, 1] is the empirical CDF of held-out
in-domain raw values, stored as 101 quantiles in the `ood` metadata key, so
score > threshold = 0.95 warns ~5 % of in-domain images. The `drift_reference` key
summarises the same held-out images for the monitor.
"""
import json

import numpy as np

N_QUANTILES = 101          # quantiles at 0, 1, ..., 100 %
WARN_RATE = 0.05           # share of held-out in-domain images warned
FEATURES_OUTPUT = "features"
DISTANCE_OUTPUT = "ood_distance"
METHOD = "mahalanobis"


# ---------------------------------------------------------------- fitting ----
def l2n(f):
    return f / (np.linalg.norm(f, axis=1, keepdims=True) + 1e-12)


def fit_gaussians(feats, labels, ridge=0.0, n_classes=None):
    """Class means + shared covariance -> dict(means [C,D], W [D,D], and the background fit).

    ridge: added to the covariance's diagonal as a fraction of the mean variance.
    Directions with (almost) no variance (dead ReLUs) are floored at 1e-6 of the
    largest eigenvalue instead of being inverted."""
    f = np.asarray(feats, np.float64)
    y = np.asarray(labels).astype(int)
    C = int(n_classes or y.max() + 1)
    means = np.stack([f[y == c].mean(0) if (y == c).any() else f.mean(0) for c in range(C)])
    centred = f - means[y]
    cov = centred.T @ centred / len(f)
    cov += np.eye(len(cov)) * ridge * np.trace(cov) / len(cov)

    def whitener(c):
        w, v = np.linalg.eigh(c)
        w = np.maximum(w, w.max() * 1e-6)
        return v / np.sqrt(w)

    W = whitener(cov)
    mu0 = f.mean(0)
    W0 = whitener(np.cov(f, rowvar=False, bias=True))
    return {"means": means, "W": W, "mu0": mu0, "W0": W0}


def mahalanobis(fit, feats, relative=False):
    """Squared Mahalanobis distance to the nearest class mean (numpy reference)."""
    z = np.asarray(feats, np.float64) @ fit["W"]
    m = fit["means"] @ fit["W"]
    d = ((z[:, None, :] - m[None]) ** 2).sum(-1).min(1)
    if relative:
        d = d - (((np.asarray(feats, np.float64) - fit["mu0"]) @ fit["W0"]) ** 2).sum(-1)
    return d


# ------------------------------------------------------------- ONNX graph ----
def _producers(model):
    return {o: n for n in model.graph.node for o in n.output}


def penultimate_name(model):
    """Name of the tensor fed to the last linear layer (Gemm or MatMul[+Add]) that
    produces the first output. Raises if the graph doesn't end that way."""
    out = model.graph.output[0].name
    producers = _producers(model)
    inits = {t.name for t in model.graph.initializer}
    n = producers.get(out)
    if n is not None and n.op_type == "Add":  # MatMul + Add (bias)
        n = next((producers[i] for i in n.input if i in producers and producers[i].op_type == "MatMul"), None)
    if n is None or n.op_type not in ("Gemm", "MatMul"):
        raise ValueError(f"the output {out!r} is not produced by a final Gemm/MatMul; "
                         "can't find the penultimate features")
    if n.op_type == "Gemm" and any(a.name == "transA" and a.i for a in n.attribute):
        raise ValueError("final Gemm has transA=1")
    return [i for i in n.input if i not in inits][0]


def pooled_name(model, pen):
    """The tensor the head flattens (input of the Flatten/Reshape on the way back from
    `pen`), if there is a linear layer between it and `pen`; else None. In a CNN this is
    the last feature map (our model: 64x7x7; fastai: the concat-pooled body)."""
    producers = _producers(model)
    inits = {t.name for t in model.graph.initializer}
    t, linear = pen, False
    for _ in range(50):
        n = producers.get(t)
        if n is None:
            return None
        ins = [i for i in n.input if i and i not in inits]
        if n.op_type in ("Flatten", "Reshape"):
            return ins[0] if linear else None
        if n.op_type in ("Gemm", "MatMul"):
            linear = True
        if n.op_type not in ("Gemm", "MatMul", "Add", "BatchNormalization", "Relu", "Dropout", "Identity",
                             "Mul", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Selu", "Gelu", "HardSwish", "Clip"):
            return None
        t = ins[0]
    return None


def feature_terms(model):
    """[(name, source tensor, pool?)]: what the OOD score is made of for this graph."""
    pen = penultimate_name(model)
    terms = [("penultimate", pen, False)]
    pooled = pooled_name(model, pen)
    if pooled is not None:
        terms.append(("pooled", pooled, True))
    return terms


def with_feature_outputs(model):
    """Copy of the model (without any earlier OOD part) with the feature tensors of
    every term as extra outputs: `features` (the penultimate) and `ood_f<j>` for the
    others (global-average-pooled and flattened). Returns (model, output names)."""
    import onnx
    from onnx import helper
    m = strip_ood(model)
    names = []
    batch = m.graph.output[0].type.tensor_type.shape.dim[0]
    for j, (_, src, pool) in enumerate(feature_terms(m)):
        name = FEATURES_OUTPUT if j == 0 else f"ood_f{j}"
        if pool:
            m.graph.node.add(op_type="GlobalAveragePool", input=[src], output=[f"ood_gap{j}"], name=f"ood_gap{j}")
            m.graph.node.add(op_type="Flatten", input=[f"ood_gap{j}"], output=[name], name=f"ood_flat{j}",
                             attribute=[helper.make_attribute("axis", 1)])
        else:
            m.graph.node.add(op_type="Identity", input=[src], output=[name], name=f"ood_id{j}")
        out = helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, [None, None])
        out.type.tensor_type.shape.dim[0].CopyFrom(batch)
        m.graph.output.append(out)
        names.append(name)
    return m, names


def energy(logits):
    """-logsumexp(logits): low for confident in-domain images (Liu et al. 2020)."""
    l = np.asarray(logits, np.float64)
    mx = l.max(1, keepdims=True)
    return -(mx + np.log(np.exp(l - mx).sum(1, keepdims=True)))[:, 0]


def fit_terms(train_feats, train_labels, train_logits, n_classes=None):
    """One Gaussian fit per feature term, plus the energy term. Each term is divided by
    its standard deviation on the training images so the terms weigh the same in the
    sum. A ridge of 0.1 is used when there are fewer than 10 images per dimension."""
    fits = []
    for f in train_feats:
        ridge = 0.0 if len(f) >= 10 * f.shape[1] else 0.1
        g = fit_gaussians(f, train_labels, ridge=ridge, n_classes=n_classes)
        g.update(kind="mahalanobis", scale=float(mahalanobis(g, f).std()) or 1.0, ridge=ridge)
        fits.append(g)
    fits.append({"kind": "energy", "scale": float(energy(train_logits).std()) or 1.0})
    return fits


def distance(fits, feats, logits):
    """The raw OOD score (numpy reference of the graph's `ood_distance`):
    sum over feature terms of min_c Mahalanobis^2 / scale, plus energy / scale."""
    d = sum(mahalanobis(g, f) / g["scale"] for g, f in zip(fits, feats))
    return d + sum(energy(logits) / g["scale"] for g in fits if g["kind"] == "energy")


def _opset(model):
    return max([o.version for o in model.opset_import if o.domain in ("", "ai.onnx")] or [13])


def _reduce(m, op, x, out, keepdims):
    """Reduce* over axis 1, with axes as an attribute or (ReduceSum from opset 13, the
    others from opset 18) as an input."""
    from onnx import helper, numpy_helper
    as_input = _opset(m) >= (13 if op == "ReduceSum" else 18)
    attrs = [helper.make_attribute("keepdims", keepdims)]
    ins = [x]
    if as_input:
        if "ood_axis1" not in {t.name for t in m.graph.initializer}:
            m.graph.initializer.append(numpy_helper.from_array(np.array([1], np.int64), "ood_axis1"))
        ins.append("ood_axis1")
    else:
        attrs.append(helper.make_attribute("axes", [1]))
    m.graph.node.add(op_type=op, input=ins, output=[out], name=out, attribute=attrs)
    return out


def add_distance_to_graph(model, fits):
    """Model with outputs logits (unchanged, first), `features` [batch, D] and
    `ood_distance` [batch] (= distance()), computed in the graph from constants.

    Per Mahalanobis term, with z = f W and the scale folded into the constants,
        min_c |z - m_c|^2 = ReduceSumSquare(f W) + ReduceMin(Gemm(f, -2 W M^T, |m_c|^2));
    energy = -ReduceLogSumExp(logits); the terms are concatenated [batch, k] and
    summed with their weights by one MatMul -> [batch]. 14 small nodes in all.
    Idempotent: a model that already has them gets them replaced."""
    import onnx
    from onnx import helper, numpy_helper
    m, names = with_feature_outputs(model)
    maha = [g for g in fits if g["kind"] == "mahalanobis"]
    assert len(names) == len(maha), "fits don't match this graph's feature terms"
    logits = m.graph.output[0].name

    def const(name, v):
        m.graph.initializer.append(numpy_helper.from_array(np.asarray(v, np.float32), name))
        return name

    def node(op, ins, out, **attrs):
        m.graph.node.add(op_type=op, input=ins, output=[out], name=out,
                         attribute=[helper.make_attribute(k, v) for k, v in attrs.items()])
        return out

    parts, weights = [], []
    for j, (name, g) in enumerate(zip(names, maha)):
        Ws = g["W"].astype(np.float64) / np.sqrt(g["scale"])    # scale folded in
        M = g["means"] @ Ws                                      # [C, D] whitened means
        z = node("MatMul", [name, const(f"ood_W{j}", Ws)], f"ood_z{j}")                        # [B, D]
        parts.append(_reduce(m, "ReduceSumSquare", z, f"ood_zz{j}", 1))                         # [B, 1]
        x = node("Gemm", [name, const(f"ood_WM{j}", -2.0 * Ws @ M.T), const(f"ood_m2{j}", (M ** 2).sum(1))],
                 f"ood_x{j}")                                                                  # [B, C]
        parts.append(_reduce(m, "ReduceMin", x, f"ood_xmin{j}", 1))                             # [B, 1]
        weights += [1.0, 1.0]
    for g in fits:
        if g["kind"] == "energy":
            parts.append(_reduce(m, "ReduceLogSumExp", logits, "ood_lse", 1))                  # [B, 1]
            weights.append(-1.0 / g["scale"])
    cat = node("Concat", parts, "ood_terms", axis=1)                                          # [B, k]
    node("MatMul", [cat, const("ood_weights", weights)], DISTANCE_OUTPUT)                     # [B]
    # only `features` (term 0) stays an output besides the distance
    keep = [o for o in m.graph.output if not o.name.startswith("ood_f")]
    del m.graph.output[:]
    m.graph.output.extend(keep)
    batch = m.graph.output[0].type.tensor_type.shape.dim[0]
    out = helper.make_tensor_value_info(DISTANCE_OUTPUT, onnx.TensorProto.FLOAT, [None])
    out.type.tensor_type.shape.dim[0].CopyFrom(batch)
    m.graph.output.append(out)
    for o in m.graph.output:
        if o.name == FEATURES_OUTPUT:
            o.type.tensor_type.shape.dim[1].dim_value = maha[0]["W"].shape[0]
    onnx.checker.check_model(m)
    return m


def strip_ood(model):
    """Copy of the model without the nodes/outputs/constants added here."""
    import onnx
    m = onnx.ModelProto()
    m.CopyFrom(model)
    keep_nodes = [n for n in m.graph.node if not (n.name.startswith("ood_") or
                                                  n.output[0] in (FEATURES_OUTPUT, DISTANCE_OUTPUT))]
    del m.graph.node[:]
    m.graph.node.extend(keep_nodes)
    keep_out = [o for o in m.graph.output if o.name not in (FEATURES_OUTPUT, DISTANCE_OUTPUT)
                and not o.name.startswith("ood_")]
    del m.graph.output[:]
    m.graph.output.extend(keep_out)
    keep_init = [t for t in m.graph.initializer if not t.name.startswith("ood_")]
    del m.graph.initializer[:]
    m.graph.initializer.extend(keep_init)
    return m


# ------------------------------------------------------ calibration, drift ----
def softmax(logits):
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def calibrate(heldout_distances, warn_rate=WARN_RATE):
    """Quantiles of held-out in-domain raw distances -> (quantiles list, threshold)."""
    q = np.quantile(np.asarray(heldout_distances, np.float64), np.linspace(0, 1, N_QUANTILES))
    return [float(f"{v:.5g}") for v in q], 1.0 - warn_rate


def score_from_quantiles(raw, quantiles):
    """Raw distance -> score in [0, 1]: piecewise-linear empirical CDF through the quantiles.

    Below the 0 % quantile the score is 0, above the 100 % quantile it is 1. Repeated
    quantile values (ties) take the highest probability, like the runtime should."""
    q = np.asarray(quantiles, np.float64)
    p = np.linspace(0, 1, len(q))
    raw = np.asarray(raw, np.float64)
    # np.interp needs increasing x: for ties take the right-most p (side='right')
    idx = np.searchsorted(q, raw, side="right")           # number of quantiles <= raw
    lo = np.clip(idx - 1, 0, len(q) - 1)
    hi = np.clip(idx, 0, len(q) - 1)
    span = q[hi] - q[lo]
    frac = np.where(span > 0, (raw - q[lo]) / np.where(span > 0, span, 1), 0.0)
    s = p[lo] + frac * (p[hi] - p[lo])
    return np.where(idx == 0, 0.0, np.where(idx >= len(q), 1.0, s))


def drift_reference(logits, scores, threshold, labels, bins=10):
    """What the monitor compares live traffic with, from held-out in-domain images."""
    probs = softmax(np.asarray(logits, np.float64))
    pred = probs.argmax(1)
    conf = probs.max(1)
    counts = np.bincount(pred, minlength=len(labels))
    hist, _ = np.histogram(conf, bins=bins, range=(0.0, 1.0))
    return {
        "n": int(len(pred)),
        "classes": [round(float(c) / len(pred), 4) for c in counts],
        "confidence_bins": [round(i / bins, 4) for i in range(bins + 1)],
        "confidence": [round(float(h) / len(pred), 4) for h in hist],
        "ood_rate": round(float((np.asarray(scores) > threshold).mean()), 4),
    }


def batches(x, y=None, batch_size=500):
    """Iterate (x, y) batches over numpy arrays (y may be None)."""
    for i in range(0, len(x), batch_size):
        yield x[i:i + batch_size], (None if y is None else y[i:i + batch_size])


def collect(model, run, data):
    """Run `model` (with feature outputs) over (x, y) batches -> (logits, [features per term], labels)."""
    fm, names = with_feature_outputs(model)
    logit_name = fm.graph.output[0].name
    logits, feats, ys = [], [[] for _ in names], []
    for x, y in data:
        res = run(fm, np.asarray(x, np.float32), [logit_name] + names)
        logits.append(res[0])
        for acc, r in zip(feats, res[1:]):
            acc.append(r.reshape(len(r), -1))
        if y is not None:
            ys.append(np.asarray(y))
    return (np.concatenate(logits), [np.concatenate(f) for f in feats],
            np.concatenate(ys) if ys else None)


def stamp(model, fits, heldout_feats, heldout_logits, labels, source=""):
    """Model with the OOD outputs and the metadata keys `ood` and `drift_reference`
    (other keys kept), calibrated on held-out in-domain features/logits."""
    from common import set_metadata
    m = add_distance_to_graph(model, fits)
    raw = distance(fits, heldout_feats, heldout_logits)
    quantiles, threshold = calibrate(raw)
    scores = score_from_quantiles(raw, quantiles)
    ood = {"method": METHOD, "output": DISTANCE_OUTPUT, "quantiles": quantiles, "threshold": threshold,
           "features": FEATURES_OUTPUT, "calibration_n": int(len(raw)), "calibration": source}
    drift = drift_reference(heldout_logits, scores, threshold, labels)
    set_metadata(m, {"ood": json.dumps(ood, separators=(",", ":")),
                     "drift_reference": json.dumps(drift, separators=(",", ":"))})
    return m, ood, drift


def fit_and_stamp(model, run, train_data, heldout_data, labels, source=""):
    """The whole thing: features on (x, y) training batches -> Gaussians; held-out
    in-domain batches (labels not needed) -> quantiles, threshold, drift reference.

    run(model, x, output_names) -> list of arrays (e.g. common.run_onnx_torch).
    Returns (new model, ood dict, drift dict)."""
    tr_logits, tr_feats, tr_y = collect(model, run, train_data)
    if tr_y is None:
        raise ValueError("the training images need labels (class-conditional Gaussians)")
    fits = fit_terms(tr_feats, tr_y, tr_logits, n_classes=len(labels))
    ho_logits, ho_feats, _ = collect(model, run, heldout_data)
    return stamp(model, fits, ho_feats, ho_logits, labels, source)
