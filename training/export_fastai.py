"""Export a fastai Learner (or a plain torchvision model) to a drop-in model.onnx.

fastai (e.g. the bear classifier from lesson 2 of the fast.ai book):
  python3 training/export_fastai.py export.pkl --out model.onnx
torchvision (no fastai needed; random weights, used to test this script):
  python3 training/export_fastai.py --torchvision resnet18 --labels a,b,c --out /tmp/m.onnx

The preprocessing metadata is read from the Learner's DataLoaders when possible
(vocab, Resize/RandomResizedCrop size + method, Normalize stats); --size, --mean,
--std and --resize override it.

Out-of-domain score and drift reference (training/ood.py): a Learner saved with
learn.export() has no data in it, so point at the images, one subfolder per label
(the lesson's bears/grizzly, bears/black, bears/teddy):
  python3 training/export_fastai.py export.pkl --out model.onnx --ood-train bears
      [--ood-heldout bears-valid]     # else 20 % of --ood-train is held out
Images are preprocessed the way the runtime will (the metadata), not by fastai.
"""
import argparse
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import IMAGENET_MEAN, IMAGENET_STD, RESIZE_MODES, add_metadata_file, start_model_card  # noqa: E402


class Logits(nn.Module):
    """Make sure the graph returns one plain tensor of softmax-free logits.

    fastai's learn.model already outputs raw activations (the softmax lives in
    learn.loss_func.activation and is only applied by learn.predict)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        out = self.model(x)
        return out[0] if isinstance(out, (tuple, list)) else out


def fastai_settings(learn):
    """Best-effort (labels, size, mean, std, resize) from a fastai Learner."""
    labels = [str(v) for v in learn.dls.vocab]
    size, mean, std, resize = None, None, None, "crop"
    for t in learn.dls.after_item.fs:  # Resize / RandomResizedCrop live in item_tfms
        name = type(t).__name__
        if name in ("Resize", "RandomResizedCrop") and getattr(t, "size", None) is not None:
            size = list(t.size)
            method = str(getattr(t, "method", "crop")).lower()
            resize = method if method in RESIZE_MODES else "crop"
    for t in learn.dls.after_batch.fs:  # vision_learner adds Normalize(imagenet_stats)
        if type(t).__name__ == "Normalize":
            mean = [round(v, 6) for v in t.mean.flatten().tolist()]
            std = [round(v, 6) for v in t.std.flatten().tolist()]
    if mean is None:  # no Normalize: the model saw pixel/255 as is
        mean, std = [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]
    return labels, size, mean, std, resize


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("pkl", nargs="?", default="export.pkl", help="fastai learn.export() file")
    p.add_argument("--torchvision", metavar="ARCH", help="export torchvision.models.ARCH(weights=None) instead")
    p.add_argument("--labels", help="comma-separated labels (required with --torchvision)")
    p.add_argument("--size", type=int, help="input height=width (default: from Learner, else 224)")
    p.add_argument("--mean", help="comma-separated per-channel mean")
    p.add_argument("--std", help="comma-separated per-channel std")
    p.add_argument("--resize", choices=RESIZE_MODES)
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--out", default="model.onnx")
    p.add_argument("--ood-train", metavar="DIR", help="in-domain images, one subfolder per label: "
                   "fit the out-of-domain score (see training/add_metadata.py)")
    p.add_argument("--ood-heldout", metavar="DIR", help="held-out in-domain images for its calibration")
    p.add_argument("--ood-holdout", type=float, default=0.2, metavar="FRACTION",
                   help="without --ood-heldout: calibrate on this share of --ood-train")
    a = p.parse_args()

    if a.torchvision:
        import torchvision
        labels = a.labels.split(",")
        model = getattr(torchvision.models, a.torchvision)(weights=None, num_classes=len(labels))
        size, mean, std, resize = None, IMAGENET_MEAN, IMAGENET_STD, "crop"
    else:
        from fastai.vision.all import load_learner
        learn = load_learner(a.pkl, cpu=True)
        model = learn.model
        labels, size, mean, std, resize = fastai_settings(learn)
        if a.labels:
            labels = a.labels.split(",")

    size = [a.size, a.size] if a.size else (size or [224, 224])
    mean = [float(v) for v in a.mean.split(",")] if a.mean else mean
    std = [float(v) for v in a.std.split(",")] if a.std else std
    resize = a.resize or resize

    model = Logits(model).eval()
    dummy = torch.zeros(1, 3, *size)  # plain torch.Tensor, not a fastai TensorImage
    with torch.no_grad():
        n_out = model(dummy).shape[-1]
    assert n_out == len(labels), f"model has {n_out} outputs but {len(labels)} labels"
    torch.onnx.export(model, dummy, a.out, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      opset_version=a.opset, do_constant_folding=True)
    add_metadata_file(a.out, labels=labels, size=size, channels=3, mean=mean, std=std,
                      resize=resize, output="logits")
    print(f"wrote {a.out}: {len(labels)} labels {labels[:5]}{'...' if len(labels) > 5 else ''}, "
          f"size {size}, mean {mean}, std {std}, resize {resize}")
    start_model_card(a.out, f"{a.torchvision or a.pkl}: {len(labels)} classes ({', '.join(labels[:5])}{'…' if len(labels) > 5 else ''})",
                     "training/export_fastai.py")
    if a.ood_train:
        from add_metadata import stamp_ood  # torch + onnx + numpy + PIL only
        stamp_ood(a.out, None, a.ood_train, a.ood_heldout, a.ood_holdout)
    elif not a.torchvision:
        print("no --ood-train: no out-of-domain score in the model (the runtime falls back to energy)")


if __name__ == "__main__":
    main()
