/**
 * `npm run spaces -- <command>`: manage the host's users, tokens, Spaces, variables and secrets.
 *
 *   token <user>                      make a write token for <user> (creating the user); shown once
 *   invite [--admin]                  print an invite link (HOST_PUBLIC_URL or http://localhost:$HOST_PORT):
 *                                     whoever opens it picks a user name; good once, for 7 days
 *   admin <user>                      make <user> an admin (the /admin page: users, invites)
 *   disable|enable <user>             stop (at once) or restore <user>'s tokens and sessions
 *   create <owner>/<name> [--private] create a Space (a push by its owner also creates it)
 *   var <owner>/<name> <KEY> <value>  set a variable (the app sees it as an environment variable)
 *   secret <owner>/<name> <KEY> <value>  set a secret (never shown back)
 *   gc                                remove builds and installed dependencies no Space uses
 *   rollout <owner>/<name> canary [<percent>[,<percent>…]]|shadow [<percent>,…]|off|card [--promote auto|manual]
 *           [--after-requests N] [--after-minutes M] [--judge-after N] [--max-error-increase 0.05]
 *           [--max-p99-ratio 1.5] [--p99-slack-ms 50] [--min-agreement 0.9] [--shadow-concurrency 4]
 *           [--shadow-queue 64]
 *                                     how the next pushes roll out (over the card's `rollout:`;
 *                                     `card` leaves it to the card again): e.g. `canary 10,50` is
 *                                     10 %, then 50 %, then everyone, `shadow 10,50` a shadow first
 *                                     (`--percent 10,50` too); with no mode, shows the rollout under way
 *   promote|rollback <owner>/<name>   promote the rollout under way by one stage (the last one's:
 *                                     to everyone), or roll it back (asks the running host, at
 *                                     SPACES_HOST or http://127.0.0.1:$HOST_PORT, with HF_TOKEN)
 *   limits <owner>/<name> [--memory MB] [--cpus N] [--pids N] [--disk MB] | --default
 *                                     what the Space may use, within the host's ceiling (SPACE_MAX_*);
 *                                     `--default` goes back to the host's defaults; with no option,
 *                                     shows them (asks the running host, which restarts the app)
 */
import { resolve } from "node:path";
import { Accounts } from "./accounts/accounts.ts";
import { LIMIT_NAMES, type Limits } from "./apps/limits.ts";
import { describeLimits } from "./routes/hardware.ts";
import { gcFromState } from "./spaces/state.ts";
import { describePolicy, parsePolicy, stageName } from "./rollout/policy.ts";

const dataDir = resolve(process.env.SPACES_DATA ?? ".spaces");
const accounts = new Accounts(dataDir);
const USAGE =
  "usage: npm run spaces -- token <user> | invite [--admin] | admin|disable|enable <user> | create <owner>/<name> [--private] | var|secret <owner>/<name> <KEY> <value> | gc | rollout <owner>/<name> [canary <percent>[,<percent>…]|shadow [<percent>,…]|off|card] [--promote auto|manual] [--after-requests N] … | promote|rollback <owner>/<name> | limits <owner>/<name> [--memory MB] [--cpus N] [--pids N] [--disk MB] | --default";
const hostUrl = (process.env.SPACES_HOST ?? `http://127.0.0.1:${process.env.HOST_PORT ?? 7861}`).replace(/\/+$/, "");

/** Asks the running host (the processes are its): the owner's token in HF_TOKEN. */
async function askHost(method: string, path: string, body?: unknown): Promise<unknown> {
  const token = process.env.HF_TOKEN;
  if (method !== "GET" && !token) throw new Error(`Set HF_TOKEN to a write token of ${owner} (npm run spaces -- token ${owner}).`);
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${hostUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }).catch(
    (err: Error) => {
      throw new Error(`The host at ${hostUrl} did not answer (${err.message}); set SPACES_HOST.`);
    },
  );
  const answer = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
  return answer;
}

/** A rollout's report in a few lines: the stage under way in brackets, e.g. `shadow → [canary 10 %] → canary 50 % → everyone`. */
function report(r: {
  state: string;
  mode: string;
  percent: number;
  stages: ("shadow" | number)[];
  stage: number;
  stable: Record<string, unknown>;
  candidate: Record<string, unknown>;
  agreement: { rate: number | null; compared: number } | null;
  history: { at: string; action: string; by: string; reason: string }[];
}): string {
  const row = (name: string, s: Record<string, unknown>) =>
    `  ${name.padEnd(9)} ${String(s.sha).slice(0, 12)}  ${s.requests} calls, ${s.errors} errors (${((s.error_rate as number) * 100).toFixed(1)} %), p50 ${s.p50_ms ?? "–"} ms, p99 ${s.p99_ms ?? "–"} ms`;
  const steps = [...r.stages.map(stageName), "everyone"];
  const at = r.state === "promoted" ? steps.length - 1 : r.stage;
  const lines = [
    `${r.mode}${r.mode === "canary" ? ` ${r.percent} %` : ""}: ${r.state}`,
    `  stages    ${steps.map((s, i) => (i === at ? `[${s}]` : s)).join(" → ")}`,
    row("current", r.stable),
    row("new", r.candidate),
  ];
  if (r.agreement)
    lines.push(
      `  agreement ${r.agreement.rate === null ? "–" : `${(r.agreement.rate * 100).toFixed(1)} %`} of ${r.agreement.compared} compared answers`,
    );
  for (const d of r.history) lines.push(`  ${d.at}  ${d.action} (${d.by}): ${d.reason}`);
  return lines.join("\n");
}
const [command, target = "", ...args] = process.argv.slice(2);
const [owner = "", name = ""] = target.split("/");

try {
  switch (command) {
    case "token":
      console.log(accounts.createToken(target));
      console.error(`A write token for ${target}. It is shown only now: keep it.`);
      break;
    case "invite": {
      const extra = [target, ...args].filter(Boolean);
      if (extra.some((a) => a !== "--admin")) throw new Error("usage: invite [--admin]");
      const admin = extra.includes("--admin");
      const base = (process.env.HOST_PUBLIC_URL ?? `http://localhost:${process.env.HOST_PORT ?? 7861}`).replace(/\/+$/, "");
      console.log(`${base}/join/${accounts.createInvite({ admin })}`);
      console.error(`An invite link${admin ? " for an admin" : ""}: good once, for 7 days. Send it to the person it is for.`);
      break;
    }
    case "admin":
    case "disable":
    case "enable":
      if (!target || args.length) throw new Error(`usage: ${command} <user>`);
      accounts.setFlag(target, command === "admin" ? "admin" : "disabled", command !== "enable");
      console.log(
        command === "admin"
          ? `${target} is an admin: /admin lists users and makes invite links.`
          : command === "disable"
            ? `${target} is disabled: their tokens and sessions stop working (the host sees it within a second).`
            : `${target} is enabled again: their tokens (not the revoked ones) work again.`,
      );
      break;
    case "create":
      accounts.createSpace(owner, name, { private: args.includes("--private") });
      console.log(`Created ${target}${args.includes("--private") ? " (private)" : ""}.`);
      break;
    case "var":
    case "secret":
      if (args.length !== 2) throw new Error(`usage: ${command} <owner>/<name> <KEY> <value>`);
      accounts.setEnv(owner, name, command === "var" ? "variables" : "secrets", args[0]!, args[1]!);
      console.log(
        `Set ${command === "var" ? "variable" : "secret"} ${args[0]} on ${target}; the app sees it at its next start (the HTTP API restarts it at once).`,
      );
      break;
    case "gc": {
      const freed = await gcFromState(accounts, dataDir);
      for (const path of freed.removed) console.log(`removed ${path}`);
      console.log(`Freed ${(freed.bytes / 1e6).toFixed(1)} MB (${freed.removed.length} folder${freed.removed.length === 1 ? "" : "s"}).`);
      break;
    }
    case "rollout": {
      const [mode, ...rest] = args;
      if (!mode) {
        const { rollout } = (await askHost("GET", `/api/spaces/${owner}/${name}/runtime`)) as {
          rollout: Parameters<typeof report>[0] | null;
        };
        console.log(rollout ? report(rollout) : `No rollout on ${target}.`);
        break;
      }
      if (!accounts.space(owner, name)) throw new Error(`No Space ${target}.`);
      if (mode === "card") {
        accounts.setRollout(owner, name, undefined);
        console.log(`${target}'s next pushes roll out as their README card says.`);
        break;
      }
      // Numbers as numbers, anything else as given, so that parsePolicy's message shows it; "10,50" is a list.
      const scalar = (v: string) => (v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v);
      const list = (v: string) => (v.includes(",") ? v.split(",").map(scalar) : scalar(v));
      const setting: Record<string, unknown> = { mode };
      const positional = rest[0] !== undefined && !rest[0].startsWith("--");
      if (positional) setting.percent = list(rest[0]!);
      const options = positional ? rest.slice(1) : rest;
      for (let i = 0; i < options.length; i += 2) {
        const key = options[i]!.replace(/^--/, "").replace(/-/g, "_");
        const value = options[i + 1];
        if (value === undefined) throw new Error(`${options[i]} needs a value`);
        setting[key] = key === "percent" ? list(value) : scalar(value);
      }
      const { policy, warning } = parsePolicy(mode === "off" ? "off" : setting);
      if (warning) throw new Error(warning);
      accounts.setRollout(owner, name, mode === "off" ? "off" : setting);
      console.log(
        policy
          ? `${target}'s next pushes roll out as ${describePolicy(policy)}.`
          : `${target}'s next pushes replace the running revision at once.`,
      );
      break;
    }
    case "promote":
    case "rollback": {
      const rollout = (await askHost("POST", `/api/spaces/${owner}/${name}/rollout/${command}`)) as Parameters<typeof report>[0];
      console.log(report(rollout));
      break;
    }
    case "limits": {
      if (!owner || !name) throw new Error(USAGE);
      const flags = new Map(Object.entries(LIMIT_NAMES).map(([key, names]) => [`--${names.flag}`, key]));
      const limits: Record<string, unknown> = {};
      for (let i = 0; i < args.length && args[0] !== "--default"; i += 2) {
        const key = flags.get(args[i]!);
        if (!key) throw new Error(`Unknown option ${args[i]}: use ${[...flags.keys()].join(", ")} or --default.`);
        const value = args[i + 1];
        if (value === undefined || value.startsWith("--")) throw new Error(`${args[i]} needs a value.`);
        // A number as a number; anything else as given, for the host's message to name it.
        limits[key] = value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
      }
      if (args[0] === "--default" && args.length > 1) throw new Error("--default takes no other option.");
      const path = `/api/spaces/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
      const rt = (await (args.length
        ? askHost("POST", `${path}/hardware`, args[0] === "--default" ? { flavor: "cpu-basic" } : { limits })
        : askHost("GET", `${path}/runtime`))) as { hardware: { current: string }; limits: Limits; limitsMax: Limits };
      console.log(`${target} (${rt.hardware.current}): ${describeLimits(rt.limits)}`);
      console.log(`The host's ceiling: ${describeLimits(rt.limitsMax)}`);
      break;
    }
    default:
      console.error(USAGE);
      process.exit(2);
  }
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
