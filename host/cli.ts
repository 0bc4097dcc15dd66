/**
 * `npm run spaces -- <command>`: manage the host's users, tokens, Spaces, variables and secrets.
 *
 *   token <user>                      make a write token for <user> (creating the user); shown once
 *   create <owner>/<name> [--private] create a Space (a push by its owner also creates it)
 *   var <owner>/<name> <KEY> <value>  set a variable (the app sees it as an environment variable)
 *   secret <owner>/<name> <KEY> <value>  set a secret (never shown back)
 *   gc                                remove builds and installed dependencies no Space uses
 */
import { resolve } from "node:path";
import { Accounts } from "./accounts.ts";
import { gcFromState } from "./lifecycle.ts";

const dataDir = resolve(process.env.SPACES_DATA ?? ".spaces");
const accounts = new Accounts(dataDir);
const USAGE = "usage: npm run spaces -- token <user> | create <owner>/<name> [--private] | var|secret <owner>/<name> <KEY> <value> | gc";
const [command, target = "", ...args] = process.argv.slice(2);
const [owner = "", name = ""] = target.split("/");

try {
  switch (command) {
    case "token":
      console.log(accounts.createToken(target));
      console.error(`A write token for ${target}. It is shown only now: keep it.`);
      break;
    case "create":
      accounts.createSpace(owner, name, { private: args.includes("--private") });
      console.log(`Created ${target}${args.includes("--private") ? " (private)" : ""}.`);
      break;
    case "var":
    case "secret":
      if (args.length !== 2) throw new Error(`usage: ${command} <owner>/<name> <KEY> <value>`);
      accounts.setEnv(owner, name, command === "var" ? "variables" : "secrets", args[0]!, args[1]!);
      console.log(`Set ${command === "var" ? "variable" : "secret"} ${args[0]} on ${target}; the app sees it at its next start (the HTTP API restarts it at once).`);
      break;
    case "gc": {
      const freed = await gcFromState(accounts, dataDir);
      for (const path of freed.removed) console.log(`removed ${path}`);
      console.log(`Freed ${(freed.bytes / 1e6).toFixed(1)} MB (${freed.removed.length} folder${freed.removed.length === 1 ? "" : "s"}).`);
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
