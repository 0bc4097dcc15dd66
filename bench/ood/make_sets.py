"""Build the out-of-domain (OOD) and shifted evaluation sets for the Fashion-MNIST model.

  /usr/bin/python3 bench/ood/make_sets.py [--n 2000] [--out bench/ood/data]

Nothing is downloaded: every set is made from what Debian ships on this machine
(fonts, python3-skimage's bundled images, icon themes, dataset-fashion-mnist).
Everything is seeded (numpy default_rng, one seed per set), so the same packages
give the same bytes. Each set is written as `<name>.npy`, uint8 [N, 28, 28],
white-on-black like Fashion-MNIST (0 = background), ~1.5 MB each; the folder is
git-ignored and this script is its source.

Fonts: apt-get install fonts-dejavu-core fonts-urw-base35 fonts-comic-neue
fonts-freefont-ttf fonts-liberation2 (84 font files; the glyph sets depend on
exactly which are installed).

Out-of-domain sets (N images each unless said otherwise):
  digits   MNIST stand-in (MNIST itself is not packaged). A digit 0-9 drawn white
           on black with a random font (DejaVu, URW base35 incl. the Z003 script
           face, Comic Neue, FreeFont, Liberation), at 96 px, with a random stroke
           change (PIL Max/MinFilter = thicker/thinner), rotation +-15 deg and
           shear +-0.3; then, as MNIST was made, the glyph's bounding box is
           scaled to fit a 20x20 box (random 16-20 px), anti-aliased, placed so
           its centre of mass is at the centre of 28x28, shifted +-2 px, and
           blurred slightly (Gaussian sigma 0.3-0.8).
  letters  The same pipeline with A-Z and a-z (an EMNIST-letters stand-in).
  photos   Natural photos: random square crops (10-100 % of the short side) of
           the skimage images (astronaut, camera, chelsea the cat, coffee,
           rocket, motorcycle, clock, coins, moon, brick, grass, gravel, hubble,
           IHC, retina, horse silhouette), grayscale (BT.601), area-resized to 28x28.
           Photos are not inverted, so the background is usually not black.
  faces    skimage's 200 LFW faces (25x25 gray), each used 1-10 times with a
           random crop/flip, resized to 28x28 (N = 1000).
  shapes   Geometric shapes drawn white/grey on black: 1-3 of circle, ellipse,
           rectangle, triangle, line, outline or filled, random size/position.
  noise    Half uniform per-pixel noise with a random mean/contrast, half
           Gaussian noise smoothed with sigma 1-3 and rescaled to 0-255.
  icons    PNG icons from /usr/share/icons and /usr/share/pixmaps (each file
           once, shuffled, up to N), alpha-composited on black, grayscale,
           letterboxed (aspect kept) to 28x28.

Shifted in-domain sets (Fashion-MNIST t10k images 5000-9999; the first 5000 are
the held-out calibration set and are not used here):
  fashion-inverted  255 - x (black garment on a white background)
  fashion-blurred   Gaussian blur, sigma 1.5
  fashion-rot90     rotated 90 degrees counter-clockwise
"""
import argparse
import glob
import os
import sys
import warnings

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "training"))
from common import load_fashion  # noqa: E402

FONT_GLOBS = [
    "/usr/share/fonts/truetype/dejavu/DejaVu*.ttf",
    "/usr/share/fonts/opentype/urw-base35/*.otf",
    "/usr/share/fonts/opentype/comic-neue/*.otf",
    "/usr/share/fonts/truetype/freefont/*.ttf",
    "/usr/share/fonts/truetype/liberation2/*.ttf",
]
SKIP_FONTS = ("Symbol", "D050000L", "MathTeX")  # no Latin digits/letters


def fonts():
    files = sorted(f for g in FONT_GLOBS for f in glob.glob(g) if not any(s in f for s in SKIP_FONTS))
    if not files:
        sys.exit("no fonts found (apt-get install fonts-dejavu-core)")
    return files


def mnist_style(glyph, rng):
    """float [H,W] white-on-black glyph -> uint8 28x28 the way MNIST was normalised."""
    ys, xs = np.nonzero(glyph > 0.05)
    if len(ys) == 0:
        return None
    g = glyph[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    box = rng.uniform(16, 20)
    scale = box / max(g.shape)
    h, w = max(1, round(g.shape[0] * scale)), max(1, round(g.shape[1] * scale))
    g = np.asarray(Image.fromarray((g * 255).astype(np.uint8)).resize((w, h), Image.LANCZOS), np.float32) / 255
    g = np.clip(g, 0, 1)
    m = g.sum()
    cy, cx = (np.arange(h) @ g.sum(1)) / m, (np.arange(w) @ g.sum(0)) / m
    oy = int(round(14 - cy + rng.integers(-2, 3)))
    ox = int(round(14 - cx + rng.integers(-2, 3)))
    out = np.zeros((28, 28), np.float32)
    for y in range(h):  # paste with clipping
        ty = y + oy
        if 0 <= ty < 28:
            x0, x1 = max(0, ox), min(28, ox + w)
            if x1 > x0:
                out[ty, x0:x1] = g[y, x0 - ox:x1 - ox]
    img = Image.fromarray((out * 255).astype(np.uint8))
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    a = np.asarray(img, np.float32)
    return np.clip(a * (255.0 / max(a.max(), 1)), 0, 255).astype(np.uint8)


def render_chars(chars, n, seed):
    rng = np.random.default_rng(seed)
    files = fonts()
    out = []
    while len(out) < n:
        ch = chars[rng.integers(len(chars))]
        font = ImageFont.truetype(files[rng.integers(len(files))], 96)
        img = Image.new("L", (192, 192), 0)
        ImageDraw.Draw(img).text((96, 96), ch, fill=255, font=font, anchor="mm")
        k = rng.integers(-2, 3)  # stroke: -2..2 (odd filter sizes)
        if k > 0:
            img = img.filter(ImageFilter.MaxFilter(2 * k + 1))
        elif k < 0:
            img = img.filter(ImageFilter.MinFilter(-2 * k + 1))
        sh = rng.uniform(-0.3, 0.3)
        img = img.transform(img.size, Image.AFFINE, (1, sh, -sh * 96, 0, 1, 0), Image.BILINEAR)
        img = img.rotate(rng.uniform(-15, 15), Image.BILINEAR)
        a = mnist_style(np.asarray(img, np.float32) / 255, rng)
        if a is not None:
            out.append(a)
    return np.stack(out)


def to_gray(im):
    im = np.asarray(im)
    if im.dtype == bool:
        im = (~im).astype(np.uint8) * 255  # horse: black silhouette on white
    if im.ndim == 3:
        im = im[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    return np.clip(im, 0, 255).astype(np.uint8)


def resize28(a):
    return np.asarray(Image.fromarray(a).resize((28, 28), Image.BOX), np.uint8)


def photos(n, seed):
    import skimage.data as d
    rng = np.random.default_rng(seed)
    srcs = [d.astronaut(), d.camera(), d.chelsea(), d.coffee(), d.rocket(), d.stereo_motorcycle()[0],
            d.clock(), d.coins(), d.moon(), d.brick(), d.grass(), d.gravel(), d.hubble_deep_field(),
            d.immunohistochemistry(), d.retina(), d.horse()]
    srcs = [to_gray(s) for s in srcs]
    out = []
    for i in range(n):
        s = srcs[i % len(srcs)]
        side = int(min(s.shape) * rng.uniform(0.1, 1.0))
        y, x = rng.integers(0, s.shape[0] - side + 1), rng.integers(0, s.shape[1] - side + 1)
        out.append(resize28(s[y:y + side, x:x + side]))
    return np.stack(out)


def faces(n, seed):
    import skimage.data as d
    rng = np.random.default_rng(seed)
    lfw = (d.lfw_subset() * 255).astype(np.uint8)  # 200 x 25 x 25
    out = []
    for i in range(n):
        f = lfw[i % len(lfw)]
        c = rng.integers(20, 26)
        y, x = rng.integers(0, 26 - c), rng.integers(0, 26 - c)
        f = f[y:y + c, x:x + c]
        if rng.random() < 0.5:
            f = f[:, ::-1]
        out.append(np.asarray(Image.fromarray(np.ascontiguousarray(f)).resize((28, 28), Image.BILINEAR)))
    return np.stack(out)


def shapes(n, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        img = Image.new("L", (112, 112), 0)
        dr = ImageDraw.Draw(img)
        for _ in range(rng.integers(1, 4)):
            kind = rng.choice(["circle", "ellipse", "rect", "triangle", "line"])
            fill = int(rng.integers(120, 256))
            filled = rng.random() < 0.5
            w = int(rng.integers(3, 12))
            cx, cy = rng.integers(20, 92, 2)
            rx, ry = rng.integers(10, 50, 2)
            if kind == "circle":
                ry = rx
            box = [int(cx - rx), int(cy - ry), int(cx + rx), int(cy + ry)]
            if kind in ("circle", "ellipse"):
                dr.ellipse(box, fill=fill if filled else None, outline=fill, width=w)
            elif kind == "rect":
                dr.rectangle(box, fill=fill if filled else None, outline=fill, width=w)
            elif kind == "triangle":
                pts = [tuple(int(v) for v in rng.integers(5, 107, 2)) for _ in range(3)]
                dr.polygon(pts, fill=fill if filled else None, outline=fill)
                if not filled:
                    dr.line(pts + [pts[0]], fill=fill, width=w)
            else:
                dr.line([tuple(int(v) for v in rng.integers(5, 107, 2)) for _ in range(2)], fill=fill, width=w)
        out.append(np.asarray(img.resize((28, 28), Image.BOX)))
    return np.stack(out)


def noise(n, seed):
    from scipy.ndimage import gaussian_filter
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        if i % 2 == 0:
            mean, spread = rng.uniform(30, 220), rng.uniform(20, 128)
            a = rng.uniform(mean - spread, mean + spread, (28, 28))
        else:
            a = gaussian_filter(rng.normal(size=(28, 28)), rng.uniform(1, 3))
            a = (a - a.min()) / (a.max() - a.min() + 1e-9) * 255
        out.append(np.clip(a, 0, 255).astype(np.uint8))
    return np.stack(out)


def icons(n, seed):
    rng = np.random.default_rng(seed)
    files = sorted(set(glob.glob("/usr/share/icons/**/*.png", recursive=True) +
                       glob.glob("/usr/share/pixmaps/**/*.png", recursive=True)))
    files = [files[i] for i in rng.permutation(len(files))]
    out = []
    for f in files:
        if len(out) >= n:
            break
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                im = Image.open(f).convert("RGBA")
        except Exception:
            continue
        if min(im.size) < 16:
            continue
        bg = Image.new("RGBA", im.size, (0, 0, 0, 255))
        g = Image.alpha_composite(bg, im).convert("L")
        s = 28 / max(g.size)
        g = g.resize((max(1, round(g.size[0] * s)), max(1, round(g.size[1] * s))), Image.LANCZOS)
        canvas = Image.new("L", (28, 28), 0)
        canvas.paste(g, ((28 - g.size[0]) // 2, (28 - g.size[1]) // 2))
        a = np.asarray(canvas)
        if a.max() > 30:  # skip icons that are black on black
            out.append(a)
    return np.stack(out)


def shifted():
    from scipy.ndimage import gaussian_filter
    x, _ = load_fashion("t10k")
    x = x[5000:]
    blurred = np.stack([gaussian_filter(i.astype(np.float32), 1.5) for i in x])
    return {
        "fashion-inverted": 255 - x,
        "fashion-blurred": np.clip(np.round(blurred), 0, 255).astype(np.uint8),
        "fashion-rot90": np.ascontiguousarray(np.rot90(x, 1, axes=(1, 2))),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--out", default=os.path.join(HERE, "data"))
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    sets = {
        "digits": lambda: render_chars("0123456789", a.n, 1),
        "letters": lambda: render_chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", a.n, 2),
        "photos": lambda: photos(a.n, 3),
        "faces": lambda: faces(a.n // 2, 4),
        "shapes": lambda: shapes(a.n, 5),
        "noise": lambda: noise(a.n, 6),
        "icons": lambda: icons(a.n, 7),
    }
    for name, make in sets.items():
        arr = make()
        np.save(os.path.join(a.out, f"{name}.npy"), arr)
        print(f"{name:18s} {arr.shape}  mean pixel {arr.mean():6.1f}", flush=True)
    for name, arr in shifted().items():
        np.save(os.path.join(a.out, f"{name}.npy"), arr)
        print(f"{name:18s} {arr.shape}  mean pixel {arr.mean():6.1f}", flush=True)
    # a contact sheet to eyeball: first 16 of each set, one row per set
    rows = [np.concatenate(list(np.load(os.path.join(a.out, f"{k}.npy"))[:16]), 1)
            for k in list(sets) + list(shifted_names())]
    Image.fromarray(np.concatenate(rows, 0)).resize((16 * 56, len(rows) * 56), Image.NEAREST).save(
        os.path.join(a.out, "preview.png"))


def shifted_names():
    return ["fashion-inverted", "fashion-blurred", "fashion-rot90"]


if __name__ == "__main__":
    main()
