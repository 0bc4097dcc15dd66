/**
 * The monitor's look: the Space's own colours (copied from ui/style.css, which is bundled for
 * the Space page and not served to this one), a ten-colour label palette, and the charts'
 * classes. Every colour is a variable set twice, once per theme; the dark set applies when the
 * system prefers dark (unless the Space's theme toggle chose light: `html[data-theme]`), or
 * when the toggle chose dark.
 *
 * Palette: every label colour is at least 3:1 against its theme's panel (WCAG's contrast for
 * graphics); all text colours are at least 4.5:1 (AA).
 */

const LIGHT = `--bg:#ffffff;--panel:#f7f7f8;--border:#e4e4e7;--text:#18181b;--muted:#52525b;--accent:#c2410c;--accent-text:#ffffff;--error:#b91c1c;
--c0:#2563eb;--c1:#ea580c;--c2:#0d9488;--c3:#db2777;--c4:#7c3aed;--c5:#a16207;--c6:#16a34a;--c7:#1e3a8a;--c8:#9f1239;--c9:#57534e;
--ok-bg:#f0fdf4;--ok-border:#15803d;--ok-text:#14532d;--alert-bg:#fef2f2;--alert-border:#b91c1c;--alert-text:#7f1d1d;
--calm:#bbf7d0;--alert:#dc2626;--ref:#71717a;--track:#e4e4e7`;
const DARK = `--bg:#0b0f19;--panel:#161b26;--border:#2e3546;--text:#f4f4f5;--muted:#a1a1aa;--accent:#fb923c;--accent-text:#1c1917;--error:#fca5a5;
--c0:#60a5fa;--c1:#fb923c;--c2:#2dd4bf;--c3:#f472b6;--c4:#c084fc;--c5:#facc15;--c6:#4ade80;--c7:#818cf8;--c8:#e11d48;--c9:#d6d3d1;
--ok-bg:#052e16;--ok-border:#4ade80;--ok-text:#bbf7d0;--alert-bg:#450a0a;--alert-border:#f87171;--alert-text:#fecaca;
--calm:#14532d;--alert:#ef4444;--ref:#8b8b94;--track:#2e3546`;

/** The stylesheet of both monitor pages (the monitor and its sign-in). */
export const MONITOR_CSS = `
:root{color-scheme:light dark;${LIGHT};font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
@media (prefers-color-scheme:dark){:root:not([data-theme="light"]){${DARK}}}
:root[data-theme="dark"]{${DARK};color-scheme:dark}
:root[data-theme="light"]{color-scheme:light}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;background:var(--bg);color:var(--text);line-height:1.5}
main{max-width:1100px;margin:0 auto;padding:1.25rem 1rem 2rem}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,.scroll:focus-visible{outline:3px solid var(--accent);outline-offset:2px;border-radius:4px}
h1{font-size:1.6rem;margin:0}
h2{font-size:1.1rem;margin:0 0 .15rem}
.top{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:.5rem 1rem;margin-bottom:.75rem}
.links{display:flex;gap:1rem;flex-wrap:wrap}
.bar{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.25rem;margin-bottom:1rem;color:var(--muted)}
.periods{display:flex;gap:.35rem}
.periods a{padding:.2rem .65rem;border:1px solid var(--border);border-radius:99px;text-decoration:none;color:var(--text)}
.periods a[aria-current="page"]{background:var(--accent);border-color:var(--accent);color:var(--accent-text);font-weight:600}
.refresh{display:inline-flex;gap:.35rem;align-items:center}
.totals{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:.75rem;margin:0 0 1rem;padding:0;list-style:none}
.totals li{background:var(--panel);border:1px solid var(--border);border-radius:10px;padding:.6rem .9rem}
.totals .n{display:block;font-size:2rem;font-weight:700;line-height:1.15;font-variant-numeric:tabular-nums}
.totals .what{color:var(--muted);font-size:.9rem}
.card{background:var(--panel);border:1px solid var(--border);border-radius:10px;padding:.9rem 1rem;margin-bottom:1rem;min-width:0}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,440px),1fr));gap:0 1rem}
.caption{color:var(--muted);margin:0 0 .5rem;font-size:.92rem;max-width:80ch}
figure{margin:0}
.chart{display:block;width:100%;height:auto;overflow:visible}
.scroll{overflow-x:auto}
.scroll .chart{min-width:640px}
.banner{border:2px solid;border-radius:10px;padding:.75rem 1rem;margin-bottom:.75rem}
.banner h2{font-size:1.35rem}
.banner.ok{background:var(--ok-bg);border-color:var(--ok-border);color:var(--ok-text)}
.banner.alert{background:var(--alert-bg);border-color:var(--alert-border);color:var(--alert-text)}
.banner.collecting{background:var(--bg);border-color:var(--border)}
.banner ul{margin:.4rem 0 0;padding-left:1.2rem}
.banner .test{display:block;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem;overflow-wrap:anywhere}
.banner p{margin:.25rem 0 0}
.legend{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:.4rem 0 0;padding:0;font-size:.9rem}
.legend li{display:inline-flex;align-items:center;gap:.4rem}
.swatch{display:inline-block;width:.9rem;height:.9rem;border-radius:3px;background:var(--sw)}
.legend .num{color:var(--muted);font-variant-numeric:tabular-nums}
.swatch.dash{height:0;border-top:2px dashed var(--text);border-radius:0;background:none}
.chart text{font-size:12px;fill:var(--text)}
.chart .axis text,.chart text.axis{fill:var(--muted)}
.chart .strong{font-weight:600}
.chart .grid line{stroke:var(--border)}
.chart .tick{stroke:var(--muted);fill:none}
.chart .stack path,.chart .stack rect{stroke:var(--panel);stroke-width:.6}
.chart .seg-label{font-size:11px}
.chart .hit rect{fill:transparent}
.chart .hit rect:hover{fill:var(--text);fill-opacity:.08}
.chart .line{fill:none;stroke-width:2.25;stroke-linejoin:round;stroke-linecap:round}
.chart .area{stroke:none;fill-opacity:.18}
.chart .ref-line{stroke:var(--text);stroke-width:1.5;stroke-dasharray:6 4;fill:none}
.chart .value{paint-order:stroke;stroke:var(--panel);stroke-width:4px;stroke-linejoin:round}
.chart .empty-frame{fill:none;stroke:var(--border);stroke-width:1.5;stroke-dasharray:6 5}
.chart .empty-text{fill:var(--muted);font-size:15px}
.chart .calm-span{fill:var(--calm)}
.chart .alert-span{fill:var(--alert)}
.chart .alert-mark{stroke:var(--text);stroke-width:2}
.chart .track{fill:var(--track)}
${Array.from({ length: 10 }, (_, i) => `.c${i}{fill:var(--c${i});--sw:var(--c${i})}`).join("")}
.s-ok,.s-period,.s-p50{fill:var(--c0);stroke:var(--c0);--sw:var(--c0)}
.s-error{fill:var(--error);stroke:var(--error);--sw:var(--error)}
.s-p99{fill:var(--c1);stroke:var(--c1);--sw:var(--c1)}
.s-ood{fill:var(--c4);stroke:var(--c4);--sw:var(--c4)}
.s-ref{fill:var(--ref);--sw:var(--ref)}
.chart rect.s-ok,.chart rect.s-error,.chart rect.s-p99,.chart rect.s-period,.chart path.s-ok,.chart path.s-error{stroke:none}
.login{max-width:26rem;margin:12vh auto 0;background:var(--panel);border:1px solid var(--border);border-radius:10px;padding:1.25rem 1.5rem}
.login label{display:block;font-weight:600;margin:1rem 0 .3rem}
.login input{width:100%;font:inherit;padding:.5rem .6rem;border:1px solid var(--muted);border-radius:8px;background:var(--bg);color:var(--text)}
.login button{margin-top:1rem;font:inherit;font-weight:600;padding:.55rem 1rem;border-radius:8px;border:1px solid var(--accent);background:var(--accent);color:var(--accent-text);cursor:pointer}
.error{color:var(--error);font-weight:600}
@media (max-width:640px){main{padding:1rem .75rem}.totals .n{font-size:1.5rem}}
`;
