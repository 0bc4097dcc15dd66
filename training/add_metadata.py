"""Add/overwrite the preprocessing metadata_props on an existing .onnx file.

Example:
  python3 training/add_metadata.py model.onnx --labels grizzly,black,teddy \
      --size 224 --channels 3 --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 --resize crop
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import RESIZE_MODES, OUTPUT_KINDS, add_metadata_file  # noqa: E402


def floats(s):
    return [float(v) for v in s.split(",")]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("onnx", help="model file to edit (in place unless --out)")
    p.add_argument("--out", help="write to this path instead")
    p.add_argument("--labels", required=True,
                   help="comma-separated class names in output order, or @file with one per line")
    p.add_argument("--size", required=True, help="N or H,W (e.g. 224 or 224,224)")
    p.add_argument("--channels", type=int, choices=(1, 3), default=3)
    p.add_argument("--mean", type=floats, help="per-channel mean (default ImageNet / 0.5 for 1 channel)")
    p.add_argument("--std", type=floats, help="per-channel std (default ImageNet / 0.5 for 1 channel)")
    p.add_argument("--resize", choices=RESIZE_MODES, default="crop")
    p.add_argument("--output", choices=OUTPUT_KINDS, default="logits")
    a = p.parse_args()

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


if __name__ == "__main__":
    main()
