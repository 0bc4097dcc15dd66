"""Shared helpers: Fashion-MNIST IDX reading and ONNX metadata writing."""
import gzip
import json
import os

import numpy as np

FASHION_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
FASHION_MEAN, FASHION_STD = 0.2860, 0.3530
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
RESIZE_MODES = ("squish", "crop", "pad")
OUTPUT_KINDS = ("logits", "probabilities")


def read_idx(path):
    """Read a (gzipped) IDX file into a writable numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = data[0] * 256 + data[1], data[2], data[3]
    assert zero == 0 and dtype_code == 0x08, "expected unsigned-byte IDX"
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape).copy()


def load_fashion(split):
    """split: 'train' or 't10k' -> (images uint8 [N,28,28], labels uint8 [N])."""
    x = read_idx(os.path.join(FASHION_DIR, f"{split}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(FASHION_DIR, f"{split}-labels-idx1-ubyte.gz"))
    return x, y


def metadata_dict(labels, size, channels, mean, std, resize, output="logits"):
    """Build the metadata_props the TypeScript runtime parses (all values strings)."""
    labels = [str(l) for l in labels]
    h, w = (size, size) if isinstance(size, int) else tuple(size)
    mean, std = [float(m) for m in mean], [float(s) for s in std]
    channels = int(channels)
    assert channels in (1, 3), "channels must be 1 or 3"
    assert len(mean) == channels and len(std) == channels, "mean/std need one value per channel"
    assert resize in RESIZE_MODES, f"resize must be one of {RESIZE_MODES}"
    assert output in OUTPUT_KINDS, f"output must be one of {OUTPUT_KINDS}"
    return {
        "labels": json.dumps(labels),
        "image_size": json.dumps([int(h), int(w)]),
        "channels": str(channels),
        "mean": json.dumps(mean),
        "std": json.dumps(std),
        "resize": resize,
        "output": output,
    }


def set_metadata(model, props):
    """Add/overwrite metadata_props on an onnx.ModelProto in place (other keys kept)."""
    existing = {p.key: p.value for p in model.metadata_props}
    existing.update(props)
    del model.metadata_props[:]
    for k, v in existing.items():
        model.metadata_props.add(key=k, value=v)
    return model


def add_metadata_file(path, out=None, **kwargs):
    """Load an .onnx file, set metadata (see metadata_dict), check and save it."""
    import onnx
    model = onnx.load(path)
    dims = model.graph.output[0].type.tensor_type.shape.dim
    if len(dims) >= 2 and dims[-1].HasField("dim_value") and dims[-1].dim_value != len(kwargs["labels"]):
        raise ValueError(f"model outputs {dims[-1].dim_value} classes but "
                         f"{len(kwargs['labels'])} labels were given")
    set_metadata(model, metadata_dict(**kwargs))
    onnx.checker.check_model(model)
    onnx.save(model, out or path)
    return model


# --- tiny numpy reference evaluator (python3-onnx 1.12 has no onnx.reference and
# onnxruntime is not installed); supports just the ops our models use. ---------
def _attrs(node):
    import onnx
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _conv(x, w, b, pads, strides, group):
    from numpy.lib.stride_tricks import sliding_window_view
    assert group == 1
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    win = sliding_window_view(x, w.shape[2:], axis=(2, 3))[:, :, ::strides[0], ::strides[1]]
    y = np.einsum("nchwij,ocij->nohw", win, w, optimize=True)
    return y + (b.reshape(1, -1, 1, 1) if b is not None else 0)


def run_onnx_numpy(model, x):
    """Evaluate a simple ONNX graph (Conv/BN/Relu/MaxPool/Flatten/Gemm/...) on x."""
    import onnx.numpy_helper as nh
    env = {t.name: nh.to_array(t).astype(np.float32) for t in model.graph.initializer}
    env[model.graph.input[0].name] = x.astype(np.float32)
    for n in model.graph.node:
        a, i = _attrs(n), [env[k] if k else None for k in n.input]
        op = n.op_type
        if op == "Conv":
            k = i[1].shape[2:]
            y = _conv(i[0], i[1], i[2] if len(i) > 2 else None, a.get("pads", [0] * 4),
                      a.get("strides", [1, 1]), a.get("group", 1))
            assert list(a.get("kernel_shape", k)) == list(k) and a.get("dilations", [1, 1]) == [1, 1]
        elif op == "BatchNormalization":
            shape = (1, -1) + (1,) * (i[0].ndim - 2)
            s, b, m, v = (t.reshape(shape) for t in i[1:5])
            y = (i[0] - m) / np.sqrt(v + a.get("epsilon", 1e-5)) * s + b
        elif op == "Relu":
            y = np.maximum(i[0], 0)
        elif op == "MaxPool":
            from numpy.lib.stride_tricks import sliding_window_view
            k, st = a["kernel_shape"], a.get("strides", a["kernel_shape"])
            assert not any(a.get("pads", [0])), "padded MaxPool not supported"
            y = sliding_window_view(i[0], k, axis=(2, 3))[:, :, ::st[0], ::st[1]].max(axis=(-2, -1))
        elif op == "GlobalAveragePool":
            y = i[0].mean(axis=(2, 3), keepdims=True)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            y = i[0].reshape(int(np.prod(i[0].shape[:ax])), -1)
        elif op == "Gemm":
            A = i[0].T if a.get("transA", 0) else i[0]
            B = i[1].T if a.get("transB", 0) else i[1]
            y = a.get("alpha", 1.0) * A @ B
            if len(i) > 2 and i[2] is not None:
                y = y + a.get("beta", 1.0) * i[2]
        elif op == "Softmax":
            ax = a.get("axis", -1)
            e = np.exp(i[0] - i[0].max(axis=ax, keepdims=True))
            y = e / e.sum(axis=ax, keepdims=True)
        else:
            raise NotImplementedError(op)
        env[n.output[0]] = y.astype(np.float32)
    return [env[o.name] for o in model.graph.output]
