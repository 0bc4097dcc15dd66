"""Add/overwrite the preprocessing metadata_props on an existing .onnx file, and
optionally fit and stamp the out-of-domain score and the drift reference.

Example:
  python3 training/add_metadata.py model.onnx --labels grizzly,black,teddy \
      --size 224 --channels 3 --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 --resize crop

Out-of-domain score (see training/README.md, "Metadata contract"): give in-domain
images the model was trained on (with labels) and held-out in-domain images it has
not seen (labels not needed). Each is an IDX images file (the labels file is found
by name) or a folder with one subfolder per label; a suffix @A:B takes images A..B-1.
Without --ood-heldout, 20 % of the training images are held out (--ood-holdout).
The preprocessing keys can then be left out if the model already has them:
  python3 training/add_metadata.py model.onnx \
      --ood-train /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz \
      --ood-heldout /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz@0:5000
  python3 training/add_metadata.py model.onnx --ood-train bears/train --ood-heldout bears/valid
This adds the graph outputs `features` and `ood_distance` (`logits` stays first and
unchanged) and the keys `ood` and `drift_reference`. --no-ood removes them again.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (RESIZE_MODES, OUTPUT_KINDS, add_metadata_file, load_in_domain,  # noqa: E402
                    run_onnx_numpy, set_metadata)


def floats(s):
    return [float(v) for v in s.split(",")]


def runner():
    """The torch evaluator if torch is installed (fast), else the numpy one."""
    try:
        import torch  # noqa: F401
        from common import run_onnx_torch
        torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
        return run_onnx_torch
    except ImportError:
        return lambda m, x, names: run_onnx_numpy(m, x, names)


def stamp_ood(path, out, train_spec, heldout_spec=None, holdout=0.2, log=print):
    """Fit the OOD score on in-domain images and write it into the model at `path`.

    Without heldout_spec, a random (seed 0) `holdout` share of the training images is
    kept out of the fit and used for calibration instead."""
    import numpy as np
    import onnx
    import ood
    model = onnx.load(path)
    meta = {p.key: p.value for p in model.metadata_props}
    missing = [k for k in ("labels", "image_size", "channels", "mean", "std", "resize") if k not in meta]
    if missing:
        raise ValueError(f"stamp the preprocessing keys first (missing {missing})")
    if meta.get("output", "logits") != "logits":
        raise ValueError("the OOD score needs a model that outputs logits")
    labels = json.loads(meta["labels"])
    pre = dict(labels=labels, size=json.loads(meta["image_size"]), channels=int(meta["channels"]),
               mean=json.loads(meta["mean"]), std=json.loads(meta["std"]), resize=meta["resize"])
    xtr, ytr = load_in_domain(train_spec, **pre)
    if ytr is None:
        raise ValueError(f"{train_spec}: the training images need labels (one subfolder per label)")
    if heldout_spec:
        xho, _ = load_in_domain(heldout_spec, **pre)
        src = f"{os.path.basename(heldout_spec.rstrip('/'))} ({len(xho)} images)"
    else:
        perm = np.random.default_rng(0).permutation(len(xtr))
        cut = max(1, int(round(len(xtr) * holdout)))
        xho, xtr, ytr = xtr[perm[:cut]], xtr[perm[cut:]], ytr[perm[cut:]]
        src = f"{holdout:.0%} of {os.path.basename(train_spec.rstrip('/'))} held out of the fit ({cut} images)"
        log("note: no --ood-heldout; if the model was trained on these images, expect a little more "
            "than 5 % false warnings on new in-domain images")
    log(f"OOD fit on {len(xtr)} training images, calibration on {len(xho)} held-out images")
    run = runner()
    m, o, d = ood.fit_and_stamp(model, run, ood.batches(xtr, ytr), ood.batches(xho), labels, src)
    onnx.save(m, out or path)
    log(f"wrote {out or path}: outputs {[x.name for x in m.graph.output]}, threshold {o['threshold']}, "
        f"raw distance at the threshold {o['quantiles'][round(o['threshold'] * (len(o['quantiles']) - 1))]}, "
        f"held-out OOD rate {d['ood_rate']}")
    return m


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("onnx", help="model file to edit (in place unless --out)")
    p.add_argument("--out", help="write to this path instead")
    p.add_argument("--labels",
                   help="comma-separated class names in output order, or @file with one per line")
    p.add_argument("--size", help="N or H,W (e.g. 224 or 224,224)")
    p.add_argument("--channels", type=int, choices=(1, 3), default=3)
    p.add_argument("--mean", type=floats, help="per-channel mean (default ImageNet / 0.5 for 1 channel)")
    p.add_argument("--std", type=floats, help="per-channel std (default ImageNet / 0.5 for 1 channel)")
    p.add_argument("--resize", choices=RESIZE_MODES, default="crop")
    p.add_argument("--output", choices=OUTPUT_KINDS, default="logits")
    p.add_argument("--ood-train", metavar="PATH", help="labelled in-domain training images (IDX or folder)")
    p.add_argument("--ood-heldout", metavar="PATH", help="held-out in-domain images (IDX or folder)")
    p.add_argument("--ood-holdout", type=float, default=0.2, metavar="FRACTION",
                   help="without --ood-heldout: calibrate on this share of --ood-train (default 0.2)")
    p.add_argument("--no-ood", action="store_true", help="remove the OOD outputs and keys")
    p.add_argument("--domain", metavar="TEXT",
                   help='what the model was trained on, shown with out-of-domain warnings (e.g. "bears in the wild")')
    a = p.parse_args()

    target = a.onnx
    if a.labels or a.size:
        if not (a.labels and a.size):
            p.error("--labels and --size go together")
        if a.labels.startswith("@"):
            with open(a.labels[1:]) as f:
                labels = [l.strip() for l in f if l.strip()]
        else:
            labels = [l.strip() for l in a.labels.split(",")]
        size = [int(v) for v in a.size.split(",")]
        size = size * 2 if len(size) == 1 else size
        default_mean, default_std = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]) if a.channels == 3 else ([0.5], [0.5])
        add_metadata_file(a.onnx, a.out, labels=labels, size=size, channels=a.channels,
                          mean=a.mean or default_mean, std=a.std or default_std,
                          resize=a.resize, output=a.output)
        print(f"wrote metadata to {a.out or a.onnx}: {len(labels)} labels, size {size}, "
              f"{a.channels} channel(s), resize {a.resize}, output {a.output}")
        target = a.out or a.onnx
    elif not (a.ood_train or a.no_ood or a.domain):
        p.error("nothing to do: give --labels/--size, --ood-train/--ood-heldout and/or --domain")
    if a.domain:
        import onnx
        m = onnx.load(target)
        set_metadata(m, {"domain": a.domain})
        onnx.save(m, a.out or target)
        target = a.out or target
        print(f"wrote domain {a.domain!r} to {target}")

    if a.no_ood:
        import onnx
        import ood
        m = ood.strip_ood(onnx.load(target))
        keep = [(q.key, q.value) for q in m.metadata_props if q.key not in ("ood", "drift_reference")]
        del m.metadata_props[:]
        set_metadata(m, dict(keep))
        onnx.save(m, a.out or target)
        print(f"removed the OOD outputs and keys from {a.out or target}")
    elif a.ood_train or a.ood_heldout:
        if not a.ood_train:
            p.error("--ood-heldout needs --ood-train")
        stamp_ood(target, a.out, a.ood_train, a.ood_heldout, a.ood_holdout)


if __name__ == "__main__":
    main()
