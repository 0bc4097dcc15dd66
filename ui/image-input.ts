/**
 * The Image input: click to upload, drag and drop, paste, or webcam; a preview with a remove
 * button. Large pictures are shrunk in the browser (long side to `maxSide`, EXIF orientation
 * applied) so a 12 MP phone photo uploads as ~100 KB.
 */
import { h } from "./dom.ts";

/** What the input holds: the bytes to upload, and its name. */
export interface Picked {
  blob: Blob;
  name: string;
}

/**
 * Decodes and, if needed, shrinks a picture. Small pictures are sent as they are (a 28×28 PNG
 * stays lossless); larger ones are redrawn upright into a JPEG.
 */
export async function prepareImage(file: Blob, name: string, maxSide: number): Promise<Picked> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    const kind = file.type || name.split(".").pop()?.toUpperCase() || "unknown type";
    // Every browser reads JPEG and PNG: one that fails is damaged or cut short, and converting would not help.
    const hint = /^image\/(jpeg|png)$/.test(file.type)
      ? "The file may be damaged or incomplete."
      : "Convert it to JPEG or PNG and try again.";
    throw new Error(`This browser cannot read “${name}” (${kind}). ${hint}`);
  }
  const long = Math.max(bitmap.width, bitmap.height);
  if (!maxSide || long <= maxSide) {
    bitmap.close();
    return { blob: file, name };
  }
  const scale = maxSide / long;
  const canvas = h("canvas", { width: Math.round(bitmap.width * scale), height: Math.round(bitmap.height * scale) });
  canvas.getContext("2d")!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise<Blob>((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("Could not shrink the image."))), "image/jpeg", 0.9),
  );
  return { blob, name: `${name.replace(/\.\w+$/, "")}.jpg` };
}

/** Builds the input; `onChange` hears every new picture (or null when removed). */
export function imageInput(label: string, maxSide: number, onChange: (picked: Picked | null) => void, onError: (message: string) => void) {
  let current: Picked | null = null;
  let url: string | undefined;
  let stream: MediaStream | undefined;
  const id = `input-${Math.random().toString(36).slice(2, 8)}`;

  const file = h("input", { type: "file", accept: "image/*", id, class: "visually-hidden", "aria-label": `Upload ${label}` });
  const preview = h("img", { class: "preview", alt: `${label} to classify`, hidden: true });
  const remove = h(
    "button",
    { class: "icon corner", type: "button", "aria-label": "Remove image", hidden: true, onclick: () => set(null) },
    "×",
  );
  const empty = h(
    "label",
    { for: id, class: "drop-text" },
    h("span", { class: "big" }, "Drop an image here"),
    h("span", {}, "— or click to upload, or paste —"),
  );
  const video = h("video", {
    class: "preview mirrored",
    playsinline: true,
    muted: true,
    autoplay: true,
    hidden: true,
    "aria-label": "Webcam preview",
  });
  const devices = h("select", { "aria-label": "Camera", hidden: true, onchange: () => startWebcam(devices.value) });
  const capture = h(
    "button",
    { type: "button", class: "primary small", hidden: true, "aria-label": "Capture photo", onclick: () => void takePhoto() },
    "Capture",
  );
  const webcam = h(
    "button",
    { type: "button", class: "secondary small", onclick: () => (stream ? stopWebcam() : void startWebcam()) },
    "Webcam",
  );
  const zone = h("div", { class: "dropzone", "data-testid": "image-dropzone" }, empty, preview, video, remove);

  async function set(picked: Picked | null, raw?: Blob, name?: string): Promise<void> {
    if (raw) {
      try {
        picked = await prepareImage(raw, name ?? "image", maxSide);
      } catch (err) {
        onError((err as Error).message);
        return;
      }
    }
    if (url) URL.revokeObjectURL(url);
    current = picked;
    url = picked ? URL.createObjectURL(picked.blob) : undefined;
    preview.hidden = !picked;
    remove.hidden = !picked;
    empty.hidden = !!picked || !!stream;
    if (picked) preview.src = url!;
    else preview.removeAttribute("src");
    file.value = "";
    onChange(picked);
  }

  async function startWebcam(deviceId?: string) {
    stopTracks();
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: deviceId ? { deviceId: { exact: deviceId } } : true });
    } catch {
      onError("Please allow access to the webcam to take a photo.");
      stream = undefined;
      return;
    }
    video.srcObject = stream;
    video.hidden = capture.hidden = devices.hidden = false;
    preview.hidden = remove.hidden = empty.hidden = true;
    webcam.textContent = "Stop webcam";
    const cams = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "videoinput");
    const active = stream.getVideoTracks()[0]?.getSettings().deviceId;
    devices.replaceChildren(
      ...cams.map((d, i) => h("option", { value: d.deviceId, selected: d.deviceId === active }, d.label || `Camera ${i + 1}`)),
    );
  }

  function stopTracks() {
    for (const track of stream?.getTracks() ?? []) track.stop();
  }

  function stopWebcam() {
    stopTracks();
    stream = undefined;
    video.hidden = capture.hidden = devices.hidden = true;
    webcam.textContent = "Webcam";
    empty.hidden = !!current;
    preview.hidden = remove.hidden = !current;
  }

  async function takePhoto() {
    const canvas = h("canvas", { width: video.videoWidth, height: video.videoHeight });
    canvas.getContext("2d")!.drawImage(video, 0, 0);
    const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, "image/png"));
    stopWebcam();
    if (blob) await set(null, blob, "webcam.png");
  }

  file.addEventListener("change", () => file.files?.[0] && void set(null, file.files[0], file.files[0].name));
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    e.dataTransfer!.dropEffect = "copy";
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("dragging");
    const dropped = e.dataTransfer?.files[0];
    if (dropped) void set(null, dropped, dropped.name);
  });
  document.addEventListener("paste", (e) => {
    const item = [...(e.clipboardData?.items ?? [])].find((i) => i.kind === "file" && i.type.startsWith("image/"));
    const pasted = item?.getAsFile();
    if (pasted) void set(null, pasted, pasted.name || "pasted.png");
  });

  const element = h(
    "div",
    { class: "block" },
    h("span", { class: "block-label" }, label),
    zone,
    file,
    h("div", { class: "sources" }, webcam, devices, capture),
  );
  return {
    element,
    get value() {
      return current;
    },
    /** Fills the input from a URL (an example). */
    async load(src: string, name: string) {
      const blob = await (await fetch(src)).blob();
      await set({ blob, name });
    },
    clear() {
      if (stream) stopWebcam();
      return set(null);
    },
  };
}
