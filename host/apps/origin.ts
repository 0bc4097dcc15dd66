/**
 * Where each Space's app lives: its own origin, `<owner>-<name>.<HOST_APP_DOMAIN>`, as
 * Hugging Face serves `<owner>-<name>.hf.space` apart from huggingface.co. A page there is a
 * stranger to the host's pages: the browser keeps the host's cookie from it and its scripts can't
 * read the host's answers (docs/origins.md).
 * Which subdomain a Space has is `accounts/names.ts`'s rule, given once by `Accounts`.
 */

/**
 * The domain apps live under (HOST_APP_DOMAIN, default `spaces.localhost`: Chromium, Firefox and
 * curl send every `*.localhost` name to the loopback), lower case, without dots at either end.
 *
 * @example
 * appDomain() // → "spaces.localhost"
 */
export function appDomain(configured = process.env.HOST_APP_DOMAIN): string {
  const domain = (configured || "spaces.localhost")
    .trim()
    .toLowerCase()
    .replace(/^\.+|\.+$/g, "");
  if (!/^[a-z0-9.-]+(:\d+)?$/.test(domain)) throw new Error(`HOST_APP_DOMAIN ${JSON.stringify(configured)} is not a domain name.`);
  return domain;
}

/**
 * The app's origin for a subdomain, on the scheme (and, unless HOST_APP_DOMAIN names one, the
 * port) of the host as the visitor reaches it (`publicBase(c)`, or a pusher's public URL).
 *
 * @example
 * appOrigin(publicBase(c), "alice-demo") // → "http://alice-demo.spaces.localhost:7861"
 */
export function appOrigin(hostBase: string, subdomain: string): string {
  const base = new URL(hostBase);
  const domain = appDomain();
  const port = domain.includes(":") || !base.port ? "" : `:${base.port}`;
  return `${base.protocol}//${subdomain}.${domain}${port}`;
}

/**
 * The subdomain an app request is for, or undefined when `host` (a Host or X-Forwarded-Host
 * value) is not under the app domain. Every name under it is the apps' — the app domain itself
 * and deeper names too ("" and "a.b", which no Space has): none of them ever reaches the host's
 * own routes.
 *
 * @example
 * subdomainIn("alice-demo.spaces.localhost:7861") // → "alice-demo"
 * subdomainIn("localhost:7861") // → undefined
 */
export function subdomainIn(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const domain = appDomain().replace(/:\d+$/, "");
  const name = host.split(",")[0]!.trim().toLowerCase().replace(/:\d+$/, "").replace(/\.+$/, "");
  if (name === domain) return "";
  return name.endsWith(`.${domain}`) ? name.slice(0, -domain.length - 1) : undefined;
}
