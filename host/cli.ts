/**
 * `npm run spaces -- <command>`: manage the host's users, tokens, Spaces, variables and secrets.
 *
 *   token <user>                      make a write token for <user> (creating the user); shown once
 *   create <owner>/<name> [--private] create a Space (a push by its owner also creates it)
 *   var <owner>/<name> <KEY> <value>  set a variable (the app sees it as an environment variable)
 *   secret <owner>/<name> <KEY> <value>  set a secret (never shown back)
 */
import { resolve } from "node:path";
import { Accounts } from "./accounts.ts";

const accounts = new Accounts(resolve(process.env.SPACES_DATA ?? ".spaces"));
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
      console.log(`Set ${command === "var" ? "variable" : "secret"} ${args[0]} on ${target}.`);
      break;
    default:
      console.error("usage: npm run spaces -- token <user> | create <owner>/<name> [--private] | var|secret <owner>/<name> <KEY> <value>");
      process.exit(2);
  }
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
