"""Shared helpers: Fashion-MNIST IDX reading and ONNX metadata writing."""
import datetime
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


def start_model_card(out, trained_on, script="training/train.py"):
    """Writes a model-card.md beside the model for the user to finish (never overwrites one)."""
    card = os.path.join(os.path.dirname(os.path.abspath(out)), "model-card.md")
    if os.path.exists(card):
        return
    with open(card, "w") as f:
        f.write(f"""# Model card

<!-- The Space's /report shows the two paragraphs below. Say what the model is for, and what it is not for. -->

**Intended use:** classifying pictures like the training data: {trained_on}. Edit this line.

**Not for:** anything else: other kinds of pictures, or decisions about people. Edit this line.

## Training

{trained_on}; `{script}`, {datetime.date.today().isoformat()}.
""")
    print(f"wrote {card}: finish it before you publish the model", flush=True)


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


def _gemm(i, a):
    """Gemm for numpy arrays or torch tensors (both have .T and @)."""
    A = i[0].T if a.get("transA", 0) else i[0]
    B = i[1].T if a.get("transB", 0) else i[1]
    y = a.get("alpha", 1.0) * A @ B
    if len(i) > 2 and i[2] is not None:
        y = y + a.get("beta", 1.0) * i[2]
    return y


def run_onnx_numpy(model, x, outputs=None):
    """Evaluate a simple ONNX graph (Conv/BN/Relu/MaxPool/Flatten/Gemm/...) on x.

    Returns the graph outputs, or the tensors named in `outputs` (any node output)."""
    import onnx.numpy_helper as nh
    env = {t.name: nh.to_array(t).astype(np.float32) for t in model.graph.initializer}
    env[model.graph.input[0].name] = x.astype(np.float32)
    for n in model.graph.node:
        if n.op_type == "Constant":
            env[n.output[0]] = nh.to_array(_attrs(n)["value"]).astype(np.float32)
            continue
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
            p = a.get("pads", [0] * 4)
            xp = np.pad(i[0], ((0, 0), (0, 0), (p[0], p[2]), (p[1], p[3])), constant_values=-np.inf)
            y = sliding_window_view(xp, k, axis=(2, 3))[:, :, ::st[0], ::st[1]].max(axis=(-2, -1))
        elif op in ("Identity", "Dropout"):
            y = i[0]
        elif op == "GlobalMaxPool":
            y = i[0].max(axis=(2, 3), keepdims=True)
        elif op == "Concat":
            y = np.concatenate([t for t in i if t is not None], axis=a["axis"])
        elif op == "Reshape":
            shape = [d if d != 0 else i[0].shape[j] for j, d in enumerate(i[1].astype(np.int64))]
            y = i[0].reshape(shape)
        elif op == "GlobalAveragePool":
            y = i[0].mean(axis=(2, 3), keepdims=True)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            y = i[0].reshape(int(np.prod(i[0].shape[:ax])), -1)
        elif op == "Gemm":
            y = _gemm(i, a)
        elif op == "Softmax":
            ax = a.get("axis", -1)
            e = np.exp(i[0] - i[0].max(axis=ax, keepdims=True))
            y = e / e.sum(axis=ax, keepdims=True)
        elif op in _BINARY:
            y = _BINARY[op](i[0], i[1])
        elif op in _REDUCE:
            axes = tuple(int(v) for v in (a["axes"] if "axes" in a else i[1]))
            y = _REDUCE[op](i[0].astype(np.float64), axes, bool(a.get("keepdims", 1)))
        elif op in ("Sqrt", "Sigmoid", "Exp", "Log"):
            y = {"Sqrt": np.sqrt, "Exp": np.exp, "Log": np.log,
                 "Sigmoid": lambda v: 1 / (1 + np.exp(-v))}[op](i[0])
        else:
            raise NotImplementedError(op)
        env[n.output[0]] = y.astype(np.float32)
    return [env[o] for o in (outputs or [o.name for o in model.graph.output])]


def _logsumexp(x, axes, keep):
    mx = x.max(axis=axes, keepdims=True)
    y = mx + np.log(np.exp(x - mx).sum(axis=axes, keepdims=True))
    return y if keep else y.squeeze(axes)


_REDUCE = {"ReduceMin": lambda x, ax, k: x.min(axis=ax, keepdims=k),
           "ReduceMax": lambda x, ax, k: x.max(axis=ax, keepdims=k),
           "ReduceSum": lambda x, ax, k: x.sum(axis=ax, keepdims=k),
           "ReduceSumSquare": lambda x, ax, k: (x * x).sum(axis=ax, keepdims=k),
           "ReduceLogSumExp": _logsumexp}
_BINARY = {"MatMul": np.matmul, "Add": np.add, "Sub": np.subtract, "Mul": np.multiply,
           "Div": np.divide, "Max": np.maximum, "Min": np.minimum}


def run_onnx_torch(model, x, outputs=None, batch_size=1000):
    """The same evaluator with torch ops (much faster; for fitting on 60k images)."""
    import torch
    import torch.nn.functional as F
    import onnx.numpy_helper as nh
    names = outputs or [o.name for o in model.graph.output]
    consts = {t.name: torch.from_numpy(nh.to_array(t).astype(np.float32)) for t in model.graph.initializer}
    ops = {"MatMul": torch.matmul, "Add": torch.add, "Sub": torch.sub, "Mul": torch.mul,
           "Div": torch.div, "Max": torch.maximum, "Min": torch.minimum}
    res = [[] for _ in names]
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            env = dict(consts)
            env[model.graph.input[0].name] = torch.from_numpy(np.ascontiguousarray(x[start:start + batch_size], np.float32))
            for n in model.graph.node:
                a, i = _attrs(n), [env[k] if k else None for k in n.input]
                op = n.op_type
                if op == "Constant":
                    y = torch.from_numpy(nh.to_array(a["value"]).astype(np.float32))
                elif op == "Conv":
                    p = a.get("pads", [0] * 4)
                    assert p[0] == p[2] and p[1] == p[3] and a.get("dilations", [1, 1]) == [1, 1]
                    y = F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, a.get("strides", [1, 1]),
                                 p[:2], 1, a.get("group", 1))
                elif op == "BatchNormalization":
                    y = F.batch_norm(i[0], i[3], i[4], i[1], i[2], False, 0.0, a.get("epsilon", 1e-5))
                elif op == "Relu":
                    y = torch.relu(i[0])
                elif op == "MaxPool":
                    p = a.get("pads", [0] * 4)
                    assert p[0] == p[2] and p[1] == p[3] and not a.get("ceil_mode", 0)
                    y = F.max_pool2d(i[0], a["kernel_shape"], a.get("strides", a["kernel_shape"]), p[:2])
                elif op in ("Identity", "Dropout"):
                    y = i[0]
                elif op == "GlobalMaxPool":
                    y = i[0].amax(dim=(2, 3), keepdim=True)
                elif op == "Concat":
                    y = torch.cat([t for t in i if t is not None], a["axis"])
                elif op == "Reshape":
                    shape = [int(d) if d != 0 else i[0].shape[j] for j, d in enumerate(i[1].long().tolist())]
                    y = i[0].reshape(shape)
                elif op == "GlobalAveragePool":
                    y = i[0].mean(dim=(2, 3), keepdim=True)
                elif op == "Flatten":
                    y = i[0].flatten(a.get("axis", 1))
                elif op == "Gemm":
                    y = _gemm(i, a)
                elif op == "Softmax":
                    y = torch.softmax(i[0], a.get("axis", -1))
                elif op in ops:
                    y = ops[op](i[0], i[1])
                elif op in _REDUCE:
                    axes = tuple(int(v) for v in (a["axes"] if "axes" in a else i[1].long().tolist()))
                    k = bool(a.get("keepdims", 1))
                    y = {"ReduceMin": lambda: torch.amin(i[0], axes, k),
                         "ReduceMax": lambda: torch.amax(i[0], axes, k),
                         "ReduceSum": lambda: torch.sum(i[0], axes, k),
                         "ReduceSumSquare": lambda: torch.sum(i[0] * i[0], axes, k),
                         "ReduceLogSumExp": lambda: torch.logsumexp(i[0], axes, k)}[op]()
                elif op in ("Sqrt", "Sigmoid", "Exp", "Log"):
                    y = getattr(torch, op.lower())(i[0])
                else:
                    raise NotImplementedError(op)
                env[n.output[0]] = y
            for r, k in zip(res, names):
                r.append(env[k].numpy())
    return [np.concatenate(r) for r in res]


# --- in-domain images for fitting/calibrating the OOD score (add_metadata.py) ----
IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")


def preprocess(img, size, channels, mean, std, resize):
    """PIL image -> float32 [C,H,W] the way the runtime does it (metadata_props)."""
    from PIL import Image
    h, w = size
    img = img.convert("L" if channels == 1 else "RGB")
    if resize == "squish":
        img = img.resize((w, h), Image.BILINEAR)
    elif resize == "crop":
        s = max(w / img.width, h / img.height)
        img = img.resize((max(w, round(img.width * s)), max(h, round(img.height * s))), Image.BILINEAR)
        l, t = (img.width - w) // 2, (img.height - h) // 2
        img = img.crop((l, t, l + w, t + h))
    else:  # pad
        s = min(w / img.width, h / img.height)
        r = img.resize((max(1, round(img.width * s)), max(1, round(img.height * s))), Image.BILINEAR)
        img = Image.new(img.mode, (w, h))
        img.paste(r, ((w - r.width) // 2, (h - r.height) // 2))
    a = np.asarray(img, np.float32) / 255.0
    a = a[None] if channels == 1 else a.transpose(2, 0, 1)
    return (a - np.asarray(mean, np.float32)[:, None, None]) / np.asarray(std, np.float32)[:, None, None]


def load_in_domain(spec, labels, size, channels, mean, std, resize):
    """In-domain images for the OOD fit -> (x float32 NCHW, y int array or None).

    spec is an IDX images file (labels read from the matching *-labels-idx1-ubyte file)
    or a folder: with one subfolder per label (names as in `labels`) or just images
    (then y is None). A suffix @A:B keeps images A..B-1 (after sorting)."""
    from PIL import Image
    rng = None
    if "@" in spec:
        spec, r = spec.rsplit("@", 1)
        a, b = r.split(":")
        rng = slice(int(a) if a else None, int(b) if b else None)
    if os.path.isfile(spec):
        imgs = read_idx(spec)
        lab_path = spec.replace("images-idx3", "labels-idx1")
        y = read_idx(lab_path).astype(int) if lab_path != spec and os.path.exists(lab_path) else None
        if rng is not None:
            imgs, y = imgs[rng], (None if y is None else y[rng])
        x = np.stack([preprocess(Image.fromarray(i), size, channels, mean, std, resize) for i in imgs]) \
            if (tuple(imgs.shape[1:3]) != tuple(size) or channels != 1 or resize != "squish") else \
            ((imgs.astype(np.float32) / 255.0 - mean[0]) / std[0])[:, None]
        return x.astype(np.float32), y
    subdirs = sorted(d for d in os.listdir(spec) if os.path.isdir(os.path.join(spec, d)))
    files = []
    if subdirs:
        index = {str(l): i for i, l in enumerate(labels)}
        unknown = [d for d in subdirs if d not in index]
        if unknown:
            raise ValueError(f"subfolders {unknown} are not labels of this model ({list(index)})")
        for d in subdirs:
            files += [(os.path.join(spec, d, f), index[d]) for f in sorted(os.listdir(os.path.join(spec, d)))
                      if f.lower().endswith(IMAGE_EXTS)]
    else:
        files = [(os.path.join(spec, f), -1) for f in sorted(os.listdir(spec)) if f.lower().endswith(IMAGE_EXTS)]
    if rng is not None:
        files = files[rng]
    if not files:
        raise ValueError(f"no images in {spec}")
    x = np.stack([preprocess(Image.open(f), size, channels, mean, std, resize) for f, _ in files])
    y = np.array([c for _, c in files]) if subdirs else None
    return x.astype(np.float32), y
