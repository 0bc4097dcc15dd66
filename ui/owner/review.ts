/**
 * The `/review` page's script (the page itself is drawn on the server: src/review/page.ts):
 * keyboard, decisions, 409 handling. Reads its data from #review-data.
 *
 * Keys: arrows move, Enter accepts the prediction, a digit relabels to that class (0 = the first),
 * Delete (or Backspace) discards. A decision that someone else made first comes back 409: the
 * page reloads that item and says so. Only `textContent` is written: labels are whatever the
 * model's metadata says.
 */

/** What #review-data holds. */
interface ReviewData {
  /** The review API, `<root>/gradio_api/review`. */
  api: string;
  /** The model's classes: the digit keys relabel to them. */
  classes: string[];
}

/** The part of a review item (`GET <api>/<id>`) the page shows. */
interface ItemState {
  version: number;
  status: string;
  label?: string | null;
}

type Action = "accept" | "discard" | "label";

const data = JSON.parse(document.getElementById("review-data")?.textContent ?? "{}") as ReviewData;
const { api, classes } = data;
const grid = document.querySelector<HTMLElement>(".items");
const say = (text: string) => {
  document.getElementById("review-message")!.textContent = text;
};
const cards = () => [...document.querySelectorAll<HTMLElement>(".item")];

function show(card: HTMLElement, item: ItemState): void {
  card.dataset.version = String(item.version);
  card.dataset.status = item.status;
  const status = item.status === "pending" ? "pending" : item.status === "discarded" ? "discarded" : `${item.status}: ${item.label}`;
  card.querySelector(".status")!.textContent = status;
  if (item.label) card.querySelector("select")!.value = item.label;
}

async function refresh(card: HTMLElement): Promise<void> {
  const res = await fetch(`${api}/${card.dataset.id}`, { headers: { accept: "application/json" } });
  if (res.ok) show(card, (await res.json()) as ItemState);
}

async function decide(card: HTMLElement, action: Action, label?: string): Promise<void> {
  const body: { action: Action; version: number; label?: string } = { action, version: Number(card.dataset.version) };
  if (action === "label") body.label = label;
  const res = await fetch(`${api}/${card.dataset.id}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = (await res.json().catch(() => ({}))) as ItemState & { detail?: string };
  if (res.ok) {
    show(card, answer);
    say("");
    move(card, 1);
    return;
  }
  if (res.status === 409) {
    await refresh(card);
    say("Someone else decided this item first: it is shown as it is now.");
    return;
  }
  say(answer.detail || `The decision failed (${res.status}).`);
}

function move(card: HTMLElement, step: number): void {
  const all = cards();
  const next = all[all.indexOf(card) + step];
  if (next) next.focus();
}

/** Cards in the grid's first row: how far ArrowUp and ArrowDown move. */
function columns(): number {
  const all = cards();
  if (!all.length) return 1;
  const top = all[0]!.offsetTop;
  let n = 0;
  for (const c of all) {
    if (c.offsetTop !== top) break;
    n++;
  }
  return Math.max(1, n);
}

grid?.addEventListener("keydown", (e) => {
  const target = e.target as HTMLElement;
  const card = target.closest<HTMLElement>(".item");
  if (!card || target.tagName === "SELECT" || e.altKey || e.ctrlKey || e.metaKey) return;
  const k = e.key;
  if (k === "ArrowRight") move(card, 1);
  else if (k === "ArrowLeft") move(card, -1);
  else if (k === "ArrowDown") move(card, columns());
  else if (k === "ArrowUp") move(card, -columns());
  else if (k === "Enter" && target === card) void decide(card, "accept");
  else if (k === "Delete" || k === "Backspace") void decide(card, "discard");
  else if (/^[0-9]$/.test(k) && classes[Number(k)] !== undefined) void decide(card, "label", classes[Number(k)]);
  else return;
  e.preventDefault();
});

grid?.addEventListener("click", (e) => {
  const button = (e.target as HTMLElement).closest<HTMLButtonElement>("button[data-action]");
  if (!button) return;
  const card = button.closest<HTMLElement>(".item")!;
  const action = button.dataset.action as Action;
  void decide(card, action, action === "label" ? card.querySelector("select")!.value : undefined);
});

// A picture that will not decode is shown as broken; Delete still removes it.
grid?.addEventListener(
  "error",
  (e) => {
    const card = (e.target as Element).closest?.(".item");
    if (card) card.classList.add("is-broken");
  },
  true,
);
for (const img of document.querySelectorAll<HTMLImageElement>(".item img")) {
  if (img.complete && img.naturalWidth === 0) img.closest(".item")!.classList.add("is-broken");
}
cards()[0]?.focus();
