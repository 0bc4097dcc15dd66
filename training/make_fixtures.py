"""Write the test fixtures and example images.

  /usr/bin/python3 training/make_fixtures.py [--model model.onnx]

(a) test/fixtures/fashion-mnist/000.png..199.png + labels.json (first 200 test images)
(b) examples/<class>.png: 5 confidently, correctly classified test images, 224x224 (x8 nearest)
(c) test/fixtures/rgb-tiny.onnx: GlobalAveragePool -> Flatten -> Gemm(4*I, 0), labels red/green/blue
(d) test/fixtures/rgb-tiny-probs.onnx: the same + Softmax, output "probabilities"
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from common import (FASHION_LABELS, FASHION_MEAN, FASHION_STD, IMAGENET_MEAN,  # noqa: E402
                    IMAGENET_STD, load_fashion, metadata_dict, run_onnx_numpy, set_metadata)

EXAMPLE_CLASSES = ["Sneaker", "Bag", "Trouser", "Dress", "Ankle boot"]


def fashion_logits(model, images_uint8):
    x = ((images_uint8.astype(np.float32) / 255 - FASHION_MEAN) / FASHION_STD)[:, None]
    return np.concatenate([run_onnx_numpy(model, x[i:i + 250])[0] for i in range(0, len(x), 250)])


def make_mnist_fixtures(x, y, model, n=200):
    out = os.path.join(ROOT, "test", "fixtures", "fashion-mnist")
    os.makedirs(out, exist_ok=True)
    for i in range(n):
        Image.fromarray(x[i], mode="L").save(os.path.join(out, f"{i:03d}.png"), optimize=True)
    with open(os.path.join(out, "labels.json"), "w") as f:
        json.dump([FASHION_LABELS[k] for k in y[:n]], f, indent=0)
        f.write("\n")
    # round-trip check + what the shipped model scores on them
    back = np.stack([np.array(Image.open(os.path.join(out, f"{i:03d}.png"))) for i in range(n)])
    assert (back == x[:n]).all()
    if model is not None:
        pred = fashion_logits(model, back).argmax(1)
        wrong = [(i, FASHION_LABELS[y[i]], FASHION_LABELS[pred[i]]) for i in range(n) if pred[i] != y[i]]
        print(f"(a) {n} fixtures in {os.path.relpath(out, ROOT)}: model.onnx gets "
              f"{n - len(wrong)}/{n} right; misclassified: {wrong}")


def make_examples(x, y, model, scale=8):
    out = os.path.join(ROOT, "examples")
    os.makedirs(out, exist_ok=True)
    logits = fashion_logits(model, x)
    prob = np.exp(logits - logits.max(1, keepdims=True))
    prob /= prob.sum(1, keepdims=True)
    for name in EXAMPLE_CLASSES:
        k = FASHION_LABELS.index(name)
        ok = np.where((y == k) & (logits.argmax(1) == k))[0]
        # most confident correctly classified one, skipping the first 200 (those are fixtures)
        ok = ok[ok >= 200]
        i = ok[prob[ok, k].argmax()]
        img = Image.fromarray(x[i], mode="L").resize((28 * scale, 28 * scale), Image.NEAREST)
        path = os.path.join(out, name.lower().replace(" ", "-") + ".png")
        img.save(path, optimize=True)
        # the runtime squishes 224 -> 28; check that still classifies right
        small = np.stack([np.array(img.resize((28, 28), r)) for r in (Image.BILINEAR, Image.BOX, Image.NEAREST)])
        pred = fashion_logits(model, small).argmax(1)
        assert (pred == k).all(), (name, pred)
        print(f"(b) {os.path.relpath(path, ROOT)}: test image #{i}, p={prob[i, k]:.4f}")


def make_rgb_tiny(probabilities):
    labels = ["red", "green", "blue"]
    out_name = "probabilities" if probabilities else "logits"
    nodes = [
        helper.make_node("GlobalAveragePool", ["input"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "W", "B"], ["logits"], transB=1),
    ]
    if probabilities:
        nodes.append(helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1))
    graph = helper.make_graph(
        nodes, "rgb_tiny",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, 224, 224])],
        [helper.make_tensor_value_info(out_name, TensorProto.FLOAT, ["batch", 3])],
        initializer=[numpy_helper.from_array(4 * np.eye(3, dtype=np.float32), "W"),
                     numpy_helper.from_array(np.zeros(3, np.float32), "B")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="make_fixtures.py")
    set_metadata(model, metadata_dict(labels, [224, 224], 3, IMAGENET_MEAN, IMAGENET_STD,
                                      "crop", out_name))
    onnx.checker.check_model(model, full_check=True)
    path = os.path.join(ROOT, "test", "fixtures", f"rgb-tiny{'-probs' if probabilities else ''}.onnx")
    onnx.save(model, path)

    # verify the maths on pure red / green / blue images (and that a BGR or NHWC slip is caught)
    mean, std = np.array(IMAGENET_MEAN, np.float32), np.array(IMAGENET_STD, np.float32)
    m = onnx.load(path)
    for k, name in enumerate(labels):
        hwc = np.zeros((224, 224, 3), np.uint8)
        hwc[..., k] = 255
        nchw = ((hwc / 255 - mean) / std).astype(np.float32).transpose(2, 0, 1)[None]
        y = run_onnx_numpy(m, nchw)[0][0]
        assert y.argmax() == k, (name, y)
        if probabilities:
            assert abs(y.sum() - 1) < 1e-5
        bgr = ((hwc[..., ::-1] / 255 - mean) / std).astype(np.float32).transpose(2, 0, 1)[None]
        nhwc = ((hwc / 255 - mean) / std).astype(np.float32).reshape(1, 3, 224, 224)
        wrong_bgr = labels[run_onnx_numpy(m, bgr)[0][0].argmax()]
        wrong_nhwc = labels[run_onnx_numpy(m, nhwc)[0][0].argmax()]
        print(f"(c) {os.path.basename(path)}: pure {name} -> {np.round(y, 4).tolist()} "
              f"(BGR slip -> {wrong_bgr}, NHWC slip -> {wrong_nhwc})")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default=os.path.join(ROOT, "model.onnx"),
                   help="trained Fashion-MNIST model (from train.py), used to pick examples")
    a = p.parse_args()
    if not os.path.exists(a.model):
        sys.exit(f"{a.model} not found: run training/train.py first")
    model = onnx.load(a.model)
    x, y = load_fashion("t10k")
    make_mnist_fixtures(x, y, model)
    make_examples(x, y, model)
    make_rgb_tiny(probabilities=False)
    make_rgb_tiny(probabilities=True)


if __name__ == "__main__":
    main()
