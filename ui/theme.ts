/**
 * The page's colour theme: "system" (the default: follows prefers-color-scheme), "light" or
 * "dark", kept in localStorage and forced by `?__theme=` (as in Gradio). One source for both
 * places that need it: the inline script of the page shell (src/gradio/page.ts), which sets the
 * theme before first paint so a dark system never flashes white, and the footer's toggle.
 *
 * Nothing here names a DOM global: the shell inlines {@link applyStoredTheme}'s source, so it
 * must be self-contained, and the server's type check (no DOM types) reads this file too.
 */

/** The theme the user picked; "system" is stored as no entry. */
export type ThemeChoice = "system" | "light" | "dark";

/** The localStorage key. */
export const THEME_KEY = "theme";

interface ThemeTarget {
  dataset: Record<string, string | undefined>;
}
interface ThemeStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Sets `data-theme` on `root` from `?__theme=` or the stored choice; leaves it unset for
 * "system". Self-contained: its source is inlined in the page's <head>.
 *
 * @example
 * applyStoredTheme(THEME_KEY, location.search, localStorage, document.documentElement);
 */
export function applyStoredTheme(key: string, search: string, storage: Pick<ThemeStorage, "getItem">, root: ThemeTarget): void {
  const theme = new URLSearchParams(search).get("__theme") || storage.getItem(key);
  if (theme === "dark" || theme === "light") root.dataset.theme = theme;
}

/**
 * The stored choice ("system" when there is none).
 *
 * @example
 * storedTheme(localStorage) // → "system"
 */
export function storedTheme(storage: Pick<ThemeStorage, "getItem">): ThemeChoice {
  const theme = storage.getItem(THEME_KEY);
  return theme === "light" || theme === "dark" ? theme : "system";
}

/**
 * Stores `choice` and applies it to `root` at once.
 *
 * @example
 * setTheme("dark", localStorage, document.documentElement);
 */
export function setTheme(choice: ThemeChoice, storage: ThemeStorage, root: ThemeTarget): void {
  if (choice === "system") {
    storage.removeItem(THEME_KEY);
    delete root.dataset.theme;
  } else {
    storage.setItem(THEME_KEY, choice);
    root.dataset.theme = choice;
  }
}

/**
 * The inline script for the page shell: {@link applyStoredTheme} itself, called on this page.
 *
 * @example
 * `<script>${themeScript()}</script>`
 */
export function themeScript(): string {
  // Reading localStorage throws where the browser denies it (a third-party iframe in a private window).
  const storage = "(()=>{try{return localStorage}catch{return{getItem:()=>null}}})()";
  return `(${applyStoredTheme.toString()})(${JSON.stringify(THEME_KEY)},location.search,${storage},document.documentElement)`;
}
