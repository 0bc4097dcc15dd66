/** The page's footer: "Use via API", the model report, the theme toggle. */
import { ROOT } from "./client.ts";
import { h } from "./dom.ts";
import { setTheme, storedTheme } from "./theme.ts";

/**
 * localStorage, or a memory of this page's own where the browser denies it: the Space page
 * embeds an app from its own origin, a third party, and a private window blocks its storage.
 */
function pageStorage(): Pick<Storage, "getItem" | "setItem" | "removeItem"> {
  try {
    return localStorage;
  } catch {
    const kept = new Map<string, string>();
    return { getItem: (k) => kept.get(k) ?? null, setItem: (k, v) => void kept.set(k, v), removeItem: (k) => void kept.delete(k) };
  }
}

function themeToggle() {
  const names = { system: "Theme: system", light: "Theme: light", dark: "Theme: dark" } as const;
  const storage = pageStorage();
  let theme = storedTheme(storage);
  const button = h("button", { class: "link", type: "button" }, names[theme]);
  button.addEventListener("click", () => {
    theme = theme === "system" ? "light" : theme === "light" ? "dark" : "system";
    setTheme(theme, storage, document.documentElement);
    button.textContent = names[theme];
  });
  return button;
}

/** The footer every view of the page ends with. */
export function footer() {
  return h(
    "footer",
    {},
    h(
      "nav",
      { "aria-label": "Footer" },
      h("a", { href: `${ROOT}/?view=api` }, "Use via API"),
      " · ",
      h("a", { href: `${ROOT}/report` }, "Model report"),
      " · ",
      h("a", { href: "https://www.gradio.app", target: "_blank", rel: "noopener" }, "Built on the Gradio protocol"),
      " · ",
      themeToggle(),
    ),
  );
}
