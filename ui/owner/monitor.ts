/**
 * The `/monitor` page's script (the page itself, charts included, is drawn on the server:
 * src/monitor/page.ts): an opt-in reload every 10 s, remembered for the tab. The checkbox stays
 * hidden without JavaScript.
 */

const KEY = "monitor-refresh";
const box = document.getElementById("auto-refresh") as HTMLInputElement | null;
if (box) {
  box.parentElement!.hidden = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    box.checked = sessionStorage.getItem(KEY) === "1";
  } catch {
    // storage blocked: the reload is off until ticked
  }
  const schedule = () => {
    clearTimeout(timer);
    if (box.checked) timer = setTimeout(() => location.reload(), 10_000);
  };
  box.addEventListener("change", () => {
    try {
      sessionStorage.setItem(KEY, box.checked ? "1" : "0");
    } catch {
      // storage blocked: this page still reloads while ticked
    }
    schedule();
  });
  schedule();
}
