"""Write bench/models/resnet18.onnx (random weights) for runtime benchmarks.

  /usr/bin/python3 bench/make_resnet18.py
"""
import os
import sys

import onnx
import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "training"))
from common import IMAGENET_MEAN, IMAGENET_STD, metadata_dict, set_metadata  # noqa: E402


def main():
    torch.manual_seed(0)
    out = os.path.join(HERE, "models", "resnet18.onnx")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    model = torchvision.models.resnet18(weights=None).eval()
    torch.onnx.export(model, torch.zeros(1, 3, 224, 224), out, input_names=["input"],
                      output_names=["logits"], opset_version=17, do_constant_folding=True,
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    m = onnx.load(out)
    set_metadata(m, metadata_dict([f"class_{i}" for i in range(1000)], [224, 224], 3,
                                  IMAGENET_MEAN, IMAGENET_STD, "crop", "logits"))
    onnx.checker.check_model(m)
    onnx.save(m, out)
    print(f"wrote {os.path.relpath(out)} ({os.path.getsize(out) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
