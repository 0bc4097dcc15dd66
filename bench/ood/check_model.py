"""Check a stamped model against the original: same logits, sane OOD outputs.

  /usr/bin/python3 bench/ood/check_model.py [--model model.onnx] [--original ORIG.onnx]

Without --original the original is `git show main:model.onnx`. Uses the numpy
evaluator (training/common.run_onnx_numpy) on Fashion-MNIST test images 0-199,
checks `logits` are bit-for-bit (or within 1e-6) the same, that the numpy and torch
evaluators agree on `ood_distance`, and that the test accuracy over all
10,000 images (torch evaluator) is unchanged. Prints outputs and metadata keys.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "training"))
from common import FASHION_MEAN, FASHION_STD, load_fashion, run_onnx_numpy, run_onnx_torch  # noqa: E402
import ood  # noqa: E402


def main():
    import onnx
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=os.path.join(ROOT, "model.onnx"))
    p.add_argument("--original")
    a = p.parse_args()
    if a.original is None:
        blob = subprocess.run(["git", "-C", ROOT, "show", "main:model.onnx"], check=True,
                              capture_output=True).stdout
        f = tempfile.NamedTemporaryFile(suffix=".onnx", delete=False)
        f.write(blob)
        f.close()
        a.original = f.name
    new, old = onnx.load(a.model), onnx.load(a.original)
    x, y = load_fashion("t10k")
    xn = ((x.astype(np.float32) / 255 - FASHION_MEAN) / FASHION_STD)[:, None]
    lo = run_onnx_numpy(old, xn[:200])[0]
    res = run_onnx_numpy(new, xn[:200])
    names = [o.name for o in new.graph.output]
    print("outputs:", [(o.name, [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim])
                       for o in new.graph.output])
    assert names[0] == "logits", "logits must stay the first output"
    ln = res[0]
    print(f"logits, 200 test images: max |new - original| = {np.abs(ln - lo).max():.3g}, "
          f"identical: {np.array_equal(ln, lo)}")
    assert np.abs(ln - lo).max() <= 1e-6
    meta = {q.key: q.value for q in new.metadata_props}
    for k in ("labels", "image_size", "channels", "mean", "std", "resize", "output"):
        assert meta[k] == {q.key: q.value for q in old.metadata_props}[k], f"metadata {k} changed"
    if "ood_distance" in names:
        o = json.loads(meta["ood"])
        d_np = res[names.index("ood_distance")]
        d_t = run_onnx_torch(new, xn[:200], ["ood_distance"])[0]
        print(f"ood_distance numpy vs torch evaluator: max |diff| {np.abs(d_np - d_t).max():.3g}")
        s = ood.score_from_quantiles(d_np, o["quantiles"])
        print(f"test image 0: label {y[0]}, logits argmax {ln[0].argmax()}, ood_distance {d_np[0]:.4f}, "
              f"score {s[0]:.4f}, out_of_domain {bool(s[0] > o['threshold'])}")
        print(f"metadata ood: {len(meta['ood'])} chars, {len(o['quantiles'])} quantiles, "
              f"threshold {o['threshold']}; drift_reference: {meta['drift_reference']}")
    lt = run_onnx_torch(new, xn, ["logits"])[0]
    print(f"accuracy on all 10,000 test images: {(lt.argmax(1) == y).mean() * 100:.2f} %")
    print("metadata keys:", list(meta))


if __name__ == "__main__":
    main()
