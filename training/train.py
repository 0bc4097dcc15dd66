"""Train a small CNN on Fashion-MNIST and export it as model.onnx (with metadata).

  /usr/bin/python3 training/train.py [--epochs 4] [--out model.onnx]
  # with the Space's reviewed images (`npm run review -- export DIR`) added to the training data:
  /usr/bin/python3 training/train.py --extra DIR [--extra-weight 10]
  # a tiny, fast run (tests): 2000 training images, one epoch, no OOD fit, no accuracy check
  /usr/bin/python3 training/train.py --epochs 1 --limit 2000 --ood-heldout 0 --min-acc 0 --out /tmp/m.onnx
"""
import argparse
import csv
import datetime
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (FASHION_LABELS, FASHION_MEAN, FASHION_STD, load_fashion,  # noqa: E402
                    metadata_dict, run_onnx_numpy, run_onnx_torch, set_metadata, start_model_card)
import ood  # noqa: E402


def block(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


def make_model():
    return nn.Sequential(
        *block(1, 32), *block(32, 32), nn.MaxPool2d(2),   # 28 -> 14
        *block(32, 64), *block(64, 64), nn.MaxPool2d(2),  # 14 -> 7
        nn.Flatten(),
        nn.Linear(64 * 7 * 7, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.25),
        nn.Linear(128, 10),
    )


def to_tensor(x_uint8):
    x = torch.from_numpy(x_uint8).float().div_(255.0).unsqueeze(1)
    return (x - FASHION_MEAN) / FASHION_STD


def augment(x, pad=2):
    """Random horizontal flip + random shift of up to `pad` px (zero = black background)."""
    n, _, h, w = x.shape
    flip = torch.rand(n) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    bg = -FASHION_MEAN / FASHION_STD  # normalised value of a black pixel
    xp = F.pad(x, (pad, pad, pad, pad), value=bg)
    oy = torch.randint(0, 2 * pad + 1, (n,))
    ox = torch.randint(0, 2 * pad + 1, (n,))
    iy = (oy[:, None] + torch.arange(h))[:, :, None]  # n,h,1
    ix = (ox[:, None] + torch.arange(w))[:, None, :]  # n,1,w
    return xp[torch.arange(n)[:, None, None], 0, iy, ix].unsqueeze(1)


def load_extra(folder):
    """Reviewed images from a review export: `<label>/<id>.png` + manifest.csv (path, label, ...).

    The manifest names each image's label exactly (a folder name cannot hold the "/" of
    "T-shirt/top"); without one, folder names are matched to labels with "/" written as "_".
    Images are resized to the model's input the way the runtime does (28x28 grayscale, squish)."""
    from PIL import Image
    from common import preprocess
    rows = []
    manifest = os.path.join(folder, "manifest.csv")
    if os.path.exists(manifest):
        with open(manifest, newline="") as f:
            rows = [(os.path.join(folder, r["path"]), r["label"]) for r in csv.DictReader(f)]
    else:
        by_folder = {l.replace("/", "_"): l for l in FASHION_LABELS}
        for d in sorted(os.listdir(folder)):
            if os.path.isdir(os.path.join(folder, d)):
                if d not in by_folder:
                    sys.exit(f"--extra: folder {d!r} is not a label of this model ({FASHION_LABELS})")
                rows += [(os.path.join(folder, d, f), by_folder[d]) for f in sorted(os.listdir(os.path.join(folder, d)))]
    unknown = sorted({l for _, l in rows if l not in FASHION_LABELS})
    if unknown:
        sys.exit(f"--extra: labels {unknown} are not labels of this model ({FASHION_LABELS})")
    if not rows:
        sys.exit(f"--extra: no images in {folder}")
    x = np.stack([preprocess(Image.open(p), [28, 28], 1, [FASHION_MEAN], [FASHION_STD], "squish") for p, _ in rows])
    y = np.array([FASHION_LABELS.index(l) for _, l in rows])
    return torch.from_numpy(x.astype(np.float32)), torch.from_numpy(y).long()


@torch.no_grad()
def accuracy(model, x, y, bs=1000):
    model.eval()
    correct = sum((model(x[i:i + bs]).argmax(1) == y[i:i + bs]).sum().item() for i in range(0, len(x), bs))
    return correct / len(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default="model.onnx")
    p.add_argument("--min-acc", type=float, default=0.92)
    p.add_argument("--limit", type=int, default=0, help="train on the first N training images only (0: all 60,000)")
    p.add_argument("--extra", metavar="DIR", help="add reviewed images (a review export: <label>/<id>.png + manifest.csv)")
    p.add_argument("--test-limit", type=int, default=0, help="report test accuracy on the first N test images only (0: all)")
    p.add_argument("--extra-weight", type=int, default=10, help="how many times each --extra image is seen per epoch")
    p.add_argument("--ood-heldout", type=int, default=5000,
                   help="calibrate the out-of-domain threshold on test images 0..N-1 (0: no OOD score)")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)

    xtr, ytr = load_fashion("train")
    xte, yte = load_fashion("t10k")
    if a.test_limit:
        xte, yte = xte[:a.test_limit], yte[:a.test_limit]
    if a.limit:
        xtr, ytr = xtr[:a.limit], ytr[:a.limit]
    xtr, xte = to_tensor(xtr), to_tensor(xte)
    ytr, yte = torch.from_numpy(ytr).long(), torch.from_numpy(yte).long()
    trained_on = f"Fashion-MNIST training images ({len(xtr):,})"
    xfit, yfit = xtr, ytr  # the OOD score is fitted on the in-domain training images only
    if a.extra:
        xex, yex = load_extra(a.extra)
        xtr = torch.cat([xtr] + [xex] * a.extra_weight)
        ytr = torch.cat([ytr] + [yex] * a.extra_weight)
        trained_on += f" + {len(xex)} reviewed images from {os.path.basename(os.path.normpath(a.extra))} (x{a.extra_weight})"
        print(f"extra: {len(xex)} reviewed images from {a.extra}, each seen {a.extra_weight}x per epoch", flush=True)
    print(f"train {tuple(xtr.shape)}  test {tuple(xte.shape)}", flush=True)

    model = make_model()
    print(f"params: {sum(p.numel() for p in model.parameters()):,}", flush=True)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    steps = (len(xtr) + a.batch_size - 1) // a.batch_size
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, epochs=a.epochs, steps_per_epoch=steps)

    t0 = time.time()
    for epoch in range(a.epochs):
        model.train()
        perm = torch.randperm(len(xtr))
        total = 0.0
        for step in range(steps):
            idx = perm[step * a.batch_size:(step + 1) * a.batch_size]
            xb, yb = augment(xtr[idx]), ytr[idx]
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            if step % 100 == 0:
                print(f"  epoch {epoch + 1} step {step}/{steps} loss {loss.item():.4f} "
                      f"[{time.time() - t0:.0f}s]", flush=True)
        acc = accuracy(model, xte, yte)
        print(f"epoch {epoch + 1}/{a.epochs}: train loss {total / len(xtr):.4f}  "
              f"test acc {acc * 100:.2f}%  elapsed {time.time() - t0:.0f}s", flush=True)
    train_time = time.time() - t0

    # ---- export ----
    model.eval()
    dummy = torch.zeros(1, 1, 28, 28)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    torch.onnx.export(model, dummy, a.out, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      opset_version=13, do_constant_folding=True)
    import onnx
    m = onnx.load(a.out)
    set_metadata(m, {**metadata_dict(FASHION_LABELS, [28, 28], 1, [FASHION_MEAN], [FASHION_STD],
                                     "squish", "logits"),
                     # What the out-of-domain warning tells a visitor the model knows.
                     "domain": "light garments on black, 28×28",
                     # When and from what: the Space's /report shows it.
                     "training": json.dumps({"at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                                             "data": trained_on, "epochs": a.epochs, "script": "training/train.py"})})
    onnx.checker.check_model(m)
    onnx.save(m, a.out)

    # ---- out-of-domain score + drift reference (training/ood.py) ----
    if a.ood_heldout:
        t1 = time.time()
        xtr_np, xho_np = xfit.numpy(), xte[:a.ood_heldout].numpy()  # no augmentation
        m, o, d = ood.fit_and_stamp(onnx.load(a.out), run_onnx_torch, ood.batches(xtr_np, yfit.numpy()),
                                    ood.batches(xho_np), FASHION_LABELS,
                                    f"Fashion-MNIST t10k 0-{a.ood_heldout - 1}")
        onnx.save(m, a.out)
        print(f"OOD score fitted on {len(xtr_np)} training images, calibrated on {a.ood_heldout} held-out "
              f"test images ({time.time() - t1:.0f}s): outputs {[x.name for x in m.graph.output]}", flush=True)

    # ---- verify ----
    final = accuracy(model, xte, yte)
    print(f"final torch test accuracy on all {len(xte)} images: {final * 100:.2f}%  "
          f"(training {train_time:.0f}s)")
    with torch.no_grad():
        ref = model(xte[:200]).numpy()
    got = run_onnx_numpy(onnx.load(a.out), xte[:200].numpy())[0]
    diff = np.abs(ref - got).max()
    same = (ref.argmax(1) == got.argmax(1)).mean()
    print(f"ONNX (numpy reference eval) vs torch on 200 images: max |diff| {diff:.2e}, "
          f"argmax agreement {same * 100:.1f}%")
    print(f"wrote {a.out} ({os.path.getsize(a.out) / 1e6:.2f} MB)")
    start_model_card(a.out, trained_on)
    if final < a.min_acc or same < 1.0 or diff > 1e-3:
        sys.exit(f"FAILED: accuracy {final * 100:.2f}% < {a.min_acc * 100:.1f}% or ONNX mismatch; "
                 f"try more --epochs")


if __name__ == "__main__":
    main()
