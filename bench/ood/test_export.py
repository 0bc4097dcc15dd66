"""Smoke test of the OOD stamping on other architectures (no fastai needed).

  /usr/bin/python3 bench/ood/test_export.py [--keep DIR]

Builds two random-weight models at 64x64 RGB: torchvision resnet18 (GAP -> Flatten
-> fc: one Mahalanobis term + energy) and resnet18 with a fastai-style head
(AdaptiveConcatPool2d -> Flatten -> BN -> Dropout -> Linear -> ReLU -> BN -> Dropout
-> Linear: penultimate + pooled terms + energy), exports each at opset 13 and 17
(torch 1.13 and onnx 1.12 stop at 17, so the opset >= 18 branch of ood._reduce,
axes as inputs, is not exercised here), stamps metadata + OOD with training/add_metadata.py
on folders of Fashion-MNIST PNGs, and checks: logits unchanged, graph distance ==
numpy reference, numpy and torch evaluators agree.
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "training"))
from common import add_metadata_file, load_fashion, load_in_domain, run_onnx_numpy, run_onnx_torch  # noqa: E402
import ood  # noqa: E402
from add_metadata import stamp_ood  # noqa: E402


def image_folders(root):
    from PIL import Image
    x, y = load_fashion("t10k")
    for split, (a, b) in {"train": (0, 900), "valid": (900, 1000)}.items():
        for i in range(a, b):
            if y[i] in (0, 1, 8):
                lab = "abc"[(0, 1, 8).index(y[i])]
                os.makedirs(os.path.join(root, split, lab), exist_ok=True)
                Image.fromarray(x[i]).convert("RGB").resize((80, 60)).save(os.path.join(root, split, lab, f"{i}.png"))


def models():
    import torch
    import torch.nn as nn
    import torchvision

    class ConcatPool(nn.Module):
        def forward(self, x):
            return torch.cat([nn.functional.adaptive_max_pool2d(x, 1), nn.functional.adaptive_avg_pool2d(x, 1)], 1)

    r = torchvision.models.resnet18(weights=None, num_classes=3)
    body = nn.Sequential(*list(torchvision.models.resnet18(weights=None).children())[:-2])
    head = nn.Sequential(ConcatPool(), nn.Flatten(), nn.BatchNorm1d(1024), nn.Dropout(0.25), nn.Linear(1024, 512),
                         nn.ReLU(), nn.BatchNorm1d(512), nn.Dropout(0.5), nn.Linear(512, 3))
    return {"resnet18": r, "fastai-head": nn.Sequential(body, head)}


def main():
    import onnx
    import torch
    torch.set_num_threads(1)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--keep", help="write the models here (for bench/ood/cost.mjs or ORT checks)")
    a = p.parse_args()
    tmp = a.keep or tempfile.mkdtemp()
    os.makedirs(tmp, exist_ok=True)
    image_folders(os.path.join(tmp, "img"))
    pre = dict(labels=["a", "b", "c"], size=[64, 64], channels=3, mean=[0.485, 0.456, 0.406],
               std=[0.229, 0.224, 0.225], resize="crop")
    xv, _ = load_in_domain(os.path.join(tmp, "img", "valid"), **pre)
    for name, model in models().items():
        model.eval()
        for opset in (13, 17):
            path = os.path.join(tmp, f"{name}-op{opset}.onnx")
            torch.onnx.export(model, torch.zeros(1, 3, 64, 64), path, input_names=["input"], output_names=["logits"],
                              dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=opset)
            add_metadata_file(path, **pre)
            plain = onnx.load(path)
            terms = ood.feature_terms(plain)
            stamp_ood(path, None, os.path.join(tmp, "img", "train"), os.path.join(tmp, "img", "valid"),
                      log=lambda *_: None)
            m = onnx.load(path)
            with torch.no_grad():
                ref = model(torch.from_numpy(xv[:8])).numpy()
            got = run_onnx_numpy(m, xv[:8])
            got_t = run_onnx_torch(m, xv[:8])
            o = json.loads({q.key: q.value for q in m.metadata_props}["ood"])
            print(f"{name} opset {opset}: terms {[t[0] for t in terms]} + energy, outputs "
                  f"{[x.name for x in m.graph.output]}, logits vs torch {np.abs(got[0] - ref).max():.2g}, "
                  f"ood_distance numpy vs torch evaluator {np.abs(got[2] - got_t[2]).max():.2g}, "
                  f"threshold raw {o['quantiles'][95]}")
            assert [x.name for x in m.graph.output] == ["logits", "features", "ood_distance"]
            assert np.abs(got[0] - ref).max() < 1e-3 and np.abs(got[2] - got_t[2]).max() < 1e-2 * max(1, np.abs(got[2]).max())
            want = 2 if name == "fastai-head" else 1
            assert len(terms) == want, terms
            # re-stamping is idempotent (same graph size)
            stamp_ood(path, None, os.path.join(tmp, "img", "train"), os.path.join(tmp, "img", "valid"),
                      log=lambda *_: None)
            assert len(onnx.load(path).graph.node) == len(m.graph.node)
    print("ok")


if __name__ == "__main__":
    main()
