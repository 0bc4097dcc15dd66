/**
 * The first module of a static Space's bundle: tells the page (ui/client.ts reads it when it
 * loads) that its root is the folder it was served from. The server writes this into an inline
 * script; a static page has none, so its Content-Security-Policy can forbid them.
 */
(window as unknown as { __SPACE_ROOT__: string }).__SPACE_ROOT__ = new URL(".", document.baseURI).href.replace(/\/$/, "");
