/**
 * Gradual expansion (`host/rollout/` stages): the card's `percent` as a list, a Rollout moving
 * from stage to stage (pure, fast), then real git pushes — a canary 20 % → 60 % → everyone by
 * its numbers (the share of new sessions on the new revision rising), a shadow → canary 50 %
 * promoted one stage at a time by its owner (CLI, API), a variable set mid-rollout, the Space
 * page's stage picture and "Promote to …" button in Chromium, and a host without CAP_SYS_NICE
 * (a shadow's process started again at normal priority). Windows are the card's, set small.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Accounts } from "../../../host/accounts/accounts.ts";
import { describePolicy, parsePolicy, type RolloutPolicy } from "../../../host/rollout/policy.ts";
import { bucket, Rollout, type SavedRollout } from "../../../host/rollout/rollout.ts";
import { axeViolations, hasChromium, launchBrowser } from "../../browser.ts";
import { root, waitFor } from "../../helpers.ts";
import { openRolloutTab } from "./owner-page.ts";
import { ClassifierHost, classifierServer, gitLfsPresent, gitUser, hostProcess, remoteUrl, tinySpaceRepo } from "../harness.ts";

describe("rollout stages: the policy and the Rollout", () => {
  test("percent is a number or an increasing list of 1–99; with shadow it adds canary steps", () => {
    expect(parsePolicy({ mode: "canary" }).policy!.stages).toEqual([10]);
    expect(parsePolicy("canary").policy!.stages).toEqual([10]);
    expect(parsePolicy({ mode: "canary", percent: 30 }).policy!.stages).toEqual([30]);
    expect(parsePolicy({ mode: "canary", percent: [10, 50] }).policy).toMatchObject({ mode: "canary", stages: [10, 50] });
    expect(parsePolicy("shadow").policy!.stages).toEqual(["shadow"]);
    expect(parsePolicy({ mode: "shadow", percent: [10, 50] }).policy).toMatchObject({ mode: "shadow", stages: ["shadow", 10, 50] });
    expect(parsePolicy({ mode: "shadow", percent: 5 }).policy!.stages).toEqual(["shadow", 5]);
    for (const [percent, why] of [
      [[], "expected at least one step"],
      [[50, 10], "the steps must increase"],
      [[10, 10], "the steps must increase"],
      [[0, 50], "expected a number from 1 to 99 or an increasing list of them"],
      [[10, 100], "expected a number from 1 to 99 or an increasing list of them"],
      [[10, "50"], "expected a number from 1 to 99 or an increasing list of them"],
      ["10,50", "expected a number from 1 to 99 or an increasing list of them"],
      [null, "expected a number from 1 to 99 or an increasing list of them"],
    ] as const) {
      const { policy, warning } = parsePolicy({ mode: "canary", percent });
      expect(policy).toBeUndefined();
      expect(warning).toBe(`rollout.percent: ${why}, like 10 or [10, 50]; got ${JSON.stringify(percent)}`);
    }
    expect(describePolicy(parsePolicy({ mode: "shadow", percent: [10, 50] }).policy!)).toBe(
      "shadow (a copy of every prediction; visitors get the current revision's answers), then canary 10 % → 50 % of new sessions and one-shot calls, then everyone; each stage passes automatically after 100 calls (in shadow: compared answers) or 30 min if its error rate is within +5 % and its p99 within ×1.5 + 50 ms, and in shadow ≥ 90 % agree; rolled back automatically when worse by more than that",
    );
    expect(describePolicy(parsePolicy({ mode: "canary", percent: [10, 50], promote: "manual" }).policy!)).toBe(
      "canary 10 % → 50 % of new sessions and one-shot calls, then everyone; promoted by its owner, one stage at a time (npm run spaces -- promote, or the Space page); rolled back automatically when worse by more than that",
    );
  });

  /** A Rollout whose verdicts are carried out at once, as the lifecycle does (without the processes). */
  function rollout(card: Record<string, unknown>) {
    const policy = parsePolicy(card).policy!;
    const r: Rollout = new Rollout(policy, "s".repeat(40), "c".repeat(40), (action, reason) =>
      action === "rollback"
        ? r.finish("rolled back", "auto", reason)
        : r.lastStage
          ? r.finish("promoted", "auto", reason)
          : r.advance("auto", reason),
    );
    return r;
  }
  const agree = (r: Rollout, n: number) => {
    for (let i = 0; i < n; i++) {
      const key = r.newPairKey();
      const a = { label: "A", confidences: { A: 0.9 } };
      r.expect(key);
      r.answer(key, "stable", a);
      r.answer(key, "shadow", a);
    }
  };

  test("each stage passes on its own counts: shadow → canary 10 % → 50 % → everyone", () => {
    const r = rollout({ mode: "shadow", percent: [10, 50], after_requests: 3, judge_after: 100 });
    expect([r.shadowing, r.percent, r.stage]).toEqual([true, 0, 0]);
    expect(r.sessionToCandidate("any")).toBe(false);
    for (let i = 0; i < 5; i++) r.observe("candidate", 200, 1); // the copies' calls: not what a shadow stage counts
    agree(r, 2);
    expect(r.stage).toBe(0);
    agree(r, 1);
    expect([r.shadowing, r.percent, r.stage, r.active]).toEqual([false, 10, 1, true]);
    expect(r.enqueueShadow(async () => {})).toBe(false); // no more copies
    const sessions = Array.from({ length: 400 }, (_, i) => `s${i}`);
    const at10 = sessions.filter((s) => r.sessionToCandidate(s));
    expect(at10.length).toBeGreaterThan(20);
    // The 5 copies before the stage do not count towards it: 3 calls of its own do.
    r.observe("candidate", 200, 1);
    r.observe("candidate", 200, 1);
    expect(r.stage).toBe(1);
    r.observe("candidate", 200, 1);
    expect(r.percent).toBe(50);
    const at50 = sessions.filter((s) => r.sessionToCandidate(s));
    expect(at50).toEqual(expect.arrayContaining(at10)); // a session on the new revision at 10 % stays there at 50 %
    expect(at50.length).toBeGreaterThan(150);
    for (let i = 0; i < 3; i++) r.observe("candidate", 200, 1);
    expect(r.state).toBe("promoted");
    expect(r.history.map((d) => `${d.action}/${d.by}`)).toEqual(["expanded/auto", "expanded/auto", "promoted/auto"]);
    expect(r.history[0]!.reason).toMatch(/^shadow → canary 10 % after 3 compared answers: 5 calls, .*, agreement 100 % \(3 of 3\)$/);
    expect(r.history[1]!.reason).toMatch(/^canary 10 % → 50 % after 3 calls in canary 10 %: 8 calls, error rate 0 % vs 0 %/);
    expect(r.history[2]!.reason).toMatch(/^after 3 calls in canary 50 %: 11 calls/);
    expect(r.toJSON()).toMatchObject({ state: "promoted", mode: "canary", percent: 50, stages: ["shadow", 10, 50], stage: 2 });
  });

  test("a stage passes on time too; rollbacks apply in every stage; manual waits for its owner", () => {
    const timed = rollout({ mode: "canary", percent: [20, 60], after_minutes: 5, judge_after: 3 });
    timed.check(Date.now() + 10 * 60_000);
    expect(timed.stage).toBe(0); // no call yet
    timed.observe("candidate", 200, 1);
    timed.check(Date.now() + 5 * 60_000);
    expect(timed.percent).toBe(60);
    expect(timed.history[0]!.reason).toMatch(/^canary 20 % → 60 % after 5 min: 1 calls/);
    for (let i = 0; i < 3; i++) timed.observe("candidate", 500, 1);
    expect(timed.state).toBe("rolled back");
    expect(timed.history.at(-1)!.reason).toMatch(/^error rate 66\.7 % \(2 of 3 calls\)/);

    const manual = rollout({ mode: "canary", percent: [20, 60], promote: "manual", after_requests: 1, after_minutes: 0 });
    for (let i = 0; i < 50; i++) manual.observe("candidate", 200, 1);
    manual.check(Date.now() + 3600_000);
    expect([manual.stage, manual.active]).toEqual([0, true]);
    expect(manual.advance("alice", "by its owner")).toBe("canary 20 % → 60 % by its owner");
    expect([manual.stage, manual.percent, manual.lastStage]).toEqual([1, 60, true]);
  });

  test("the stage survives a save and restore; a state saved before stages restores as its one stage", () => {
    const r = rollout({ mode: "canary", percent: [20, 60], after_requests: 2 });
    for (let i = 0; i < 3; i++) r.observe("candidate", 200, 1);
    const back = Rollout.restore(JSON.parse(JSON.stringify(r.save())) as SavedRollout, () => {});
    expect([back.stage, back.percent, back.stageStarted]).toEqual([1, 60, r.stageStarted]);
    const { stages: _, ...rest } = parsePolicy({ mode: "canary" }).policy!;
    const old = { ...r.save(), policy: { ...rest, percent: 30 } as unknown as RolloutPolicy, stage: undefined, stageStarted: undefined };
    const legacy = Rollout.restore(old, () => {});
    expect([legacy.policy.stages, legacy.stage, legacy.percent, legacy.stageStarted.at]).toEqual([[30], 0, 30, old.started]);
    expect(legacy.policy).not.toHaveProperty("percent");
    const shadow = Rollout.restore({ ...old, policy: { ...old.policy, mode: "shadow" } }, () => {});
    expect([shadow.policy.stages, shadow.shadowing]).toEqual([["shadow"], true]);
  });
});

/**
 * The distinct nice values of every thread of every process of an app, from /proc: its process
 * group, or for a sandboxed app (the host's record of it says) every process in its pid namespace
 * but bwrap's init.
 */
function niceOfApp(dataDir: string, leader: number): number[] {
  const record = JSON.parse(readFileSync(join(dataDir, "run", `${leader}.json`), "utf8")) as { sandbox?: { init: number; pidns: string } };
  const values = new Set<number>();
  const fields = (stat: string) => stat.slice(stat.lastIndexOf(")") + 2).split(" "); // from field 3, state
  const belongs = (pid: string) =>
    record.sandbox
      ? Number(pid) !== record.sandbox.init && readlinkSync(`/proc/${pid}/ns/pid`) === record.sandbox.pidns
      : Number(fields(readFileSync(`/proc/${pid}/stat`, "utf8"))[2]) === leader;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (!belongs(pid)) continue;
      for (const tid of readdirSync(`/proc/${pid}/task`))
        values.add(Number(fields(readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8"))[16]));
    } catch {
      // the process ended meanwhile
    }
  }
  return [...values];
}

describe.skipIf(!gitLfsPresent("Space host rollout stage tests"))("rollout stages with real pushes", () => {
  let f: ClassifierHost;
  let host: ClassifierHost["host"];
  let token: string;
  beforeAll(async () => {
    f = await ClassifierHost.start("host-stages", { drainMs: 300, stopGraceMs: 2000, readyTimeoutMs: 15_000, rolloutTickMs: 100 });
    ({ host, token } = f);
  });
  afterAll(() => f?.close());

  const rt = () => f.rt();
  const short = (sha: string) => sha.slice(0, 12);
  const pushRevision = (message: string, rollout: string) => f.push(message, {}, rollout);
  /** A new queue session, its result read as a client does (a queue call counts when its stream ends): the revision its join reached. */
  const join_ = async (hash: string) => {
    const queue = `${host.base}/spaces/alice/clf/app/gradio_api/queue`;
    const join = await fetch(`${queue}/join`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ data: ["x"], session_hash: hash }),
    });
    expect(await (await fetch(`${queue}/data?session_hash=${hash}`)).text()).toContain("process_completed");
    return join.headers.get("x-rev");
  };
  const runtime = async () => (await f.runtime()).rollout;
  const cli = (...args: string[]) => f.cli(...args);

  test("canary 20 % → 60 % → everyone by its numbers: the share of new sessions on the new revision rises", async () => {
    const v1 = rt().sha!;
    const { stderr, sha } = await pushRevision("v2: in steps", "{mode: canary, percent: [20, 60], after_requests: 15, judge_after: 5}");
    expect(stderr).toContain(
      "canary 20 % → 60 % of new sessions and one-shot calls, then everyone; each stage passes automatically after 15 calls",
    );
    const seen: Record<number, { sessions: number; candidate: number }> = {
      20: { sessions: 0, candidate: 0 },
      60: { sessions: 0, candidate: 0 },
    };
    let midway: Awaited<ReturnType<typeof runtime>> | undefined;
    for (let i = 0; i < 500 && rt().rollout!.active; i++) {
      const { stage, percent } = rt().rollout!;
      const hash = `fresh-${i}`;
      const rev = await join_(hash);
      if (rt().rollout!.stage !== stage) continue; // the stage moved on during this call
      expect(rev).toBe(short(bucket(hash) < percent ? sha : v1));
      seen[percent]!.sessions++;
      if (rev === short(sha)) seen[percent]!.candidate++;
      if (stage === 1 && !midway) midway = await runtime();
    }
    expect(midway).toMatchObject({ state: "active", mode: "canary", percent: 60, stages: [20, 60], stage: 1 });
    const share = (p: number) => seen[p]!.candidate / seen[p]!.sessions;
    expect(share(20)).toBeGreaterThan(0.1);
    expect(share(20)).toBeLessThan(0.35);
    expect(share(60)).toBeGreaterThan(0.4);
    expect(share(60)).toBeGreaterThan(share(20) + 0.2);
    const r = await runtime();
    expect(r.state).toBe("promoted");
    expect(r.history.map((d) => `${d.action}/${d.by}`)).toEqual(["started/push", "expanded/auto", "promoted/auto"]);
    expect(r.history[1]!.reason).toMatch(/^canary 20 % → 60 % after 15 calls: 15 calls, error rate 0 % vs 0 %, p99 \d+ ms vs \d+ ms$/);
    expect(r.history[2]!.reason).toMatch(/^after 15 calls in canary 60 %: \d+ calls, error rate 0 % vs 0 %/);
    expect(
      rt()
        .buildLog.lines.map((l) => l.data)
        .join("\n"),
    ).toContain(`Space host: rollout: expanded ${short(sha)} (auto): canary 20 % → 60 % after 15 calls`);
    expect(rt().sha).toBe(sha);
    expect(await join_("after-the-rollout")).toBe(short(sha));
  });

  test("manual: the owner's promote moves one stage at a time, shadow → canary 50 % → everyone", async () => {
    const stable = rt().sha!;
    const { sha } = await pushRevision("v3: shadow first", "{mode: shadow, percent: [50], promote: manual, after_requests: 1}");
    const predict = () =>
      fetch(`${host.base}/spaces/alice/clf/app/api/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ data: ["x"] }),
      }).then((res) => res.headers.get("x-rev"));
    for (let i = 0; i < 6; i++) expect(await predict()).toBe(short(stable));
    await waitFor(() => rt().rollout!.agreement.compared >= 6, { timeout: 3000, what: "6 compared answers" });
    expect(rt().rollout!.stage).toBe(0); // manual: nothing moves by itself
    // The shadow runs at the lowest CPU priority, every thread of its group; back to normal once it serves visitors.
    expect(niceOfApp(f.dataDir, rt().candidate!.child.pid!)).toEqual([19]);

    const first = await cli("promote", "alice/clf");
    expect(first.stdout).toMatch(/^canary 50 %: active\n {2}stages {4}shadow → \[canary 50 %\] → everyone\n/);
    expect(first.stdout).toMatch(/expanded \(alice\): shadow → canary 50 % by its owner; \d+ calls, .*agreement 100 % \(6 of 6\)/);
    expect(rt().sha).toBe(stable); // only the split changed
    expect(rt().rollout!.shadowing).toBe(false);
    expect(niceOfApp(f.dataDir, rt().candidate!.child.pid!)).toEqual([0]); // reniced, or (without CAP_SYS_NICE) started again
    const revs = await Promise.all(Array.from({ length: 16 }, (_, i) => join_(`manual-${i}`)));
    expect(revs).toEqual(Array.from({ length: 16 }, (_, i) => short(bucket(`manual-${i}`) < 50 ? sha : stable)));
    expect(new Set(revs).size).toBe(2);
    for (let i = 0; i < 4; i++) await predict();
    expect(rt().rollout!.agreement.compared).toBe(6); // no copies in a canary stage

    const second = await fetch(`${host.base}/api/spaces/alice/clf/rollout/promote`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    const r = (await second.json()) as ReturnType<Rollout["toJSON"]>;
    expect(r).toMatchObject({ state: "promoted", stages: ["shadow", 50], stage: 1 });
    expect(r.history.map((d) => `${d.action}/${d.by}`)).toEqual(["started/push", "expanded/alice", "promoted/alice"]);
    expect(rt().sha).toBe(sha);
  });

  test("a variable set during a rollout restarts both revisions, and the rollout goes on with its counts", async () => {
    const stable = rt().sha!;
    const { sha } = await pushRevision("v4: variables", "{mode: canary, percent: [50], promote: manual}");
    /** Which revision answers a session, and the GREETING it sees, until both revisions answered. */
    const onBoth = async () => {
      const seen: Record<string, string | null> = {};
      for (let i = 0; Object.keys(seen).length < 2 && i < 40; i++) {
        const { rev, greeting } = (await (await fetch(`${host.base}/spaces/alice/clf/app/hello?session_hash=vars-${i}`)).json()) as {
          rev: string;
          greeting: string | null;
        };
        seen[rev] = greeting;
      }
      return seen;
    };
    expect(await onBoth()).toEqual({ [short(stable)]: null, [short(sha)]: null });
    for (let i = 0; i < 4; i++) await join_(`vars-count-${i}`);
    const before = rt().rollout!.toJSON();
    const set = await fetch(`${host.base}/api/spaces/alice/clf/variables`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ key: "GREETING", value: "hello" }),
    });
    expect(set.status).toBe(200);
    expect(await onBoth()).toEqual({ [short(stable)]: "hello", [short(sha)]: "hello" });
    const after = rt().rollout!.toJSON();
    expect(after.state).toBe("active");
    expect(after.stable.requests + after.candidate.requests).toBe(before.stable.requests + before.candidate.requests);
    expect((await cli("rollback", "alice/clf")).stdout).toContain("rolled back");
  });

  test.skipIf(!hasChromium)(
    "the Space page shows the stages, the current one marked, and its owner's Promote to the next one",
    async () => {
      const { sha } = await pushRevision("v4: page", "{mode: canary, percent: [25, 75], promote: manual}");
      const browser = await launchBrowser();
      try {
        const page = await openRolloutTab(browser, host.base, token);
        const steps = page.getByRole("list", { name: "Stages" }).getByRole("listitem");
        await expect.poll(() => steps.allTextContents()).toEqual(["Canary 25 %", "Canary 75 %", "Everyone"]);
        expect(await page.locator("#ro-stages [aria-current=step]").textContent()).toBe("Canary 25 %");
        // The page, its stage picture and the owner's buttons are accessible.
        expect(await axeViolations(page)).toEqual([]);
        await page.getByRole("button", { name: "Promote to 75 %" }).click();
        await page.waitForURL(`${host.base}/spaces/alice/clf?tab=rollout`);
        await expect.poll(() => page.locator("#ro-stages [aria-current=step]").textContent()).toBe("Canary 75 %");
        expect(await page.locator("#ro-stages [data-step=done]").allTextContents()).toEqual(["Canary 25 %"]);
        expect(await page.locator("#ro-split").getAttribute("aria-label")).toBe("25 % to the current revision, 75 % to the new one");
        expect(await page.locator("#ro-chip").textContent()).toBe(`Canary 75 % · ${sha.slice(0, 7)}`);
        expect(await page.locator("#ro-history li").last().textContent()).toContain("expanded (alice): canary 25 % → 75 % by its owner");
        mkdirSync(join(root, "test", "artifacts"), { recursive: true });
        await page.screenshot({ path: join(root, "test", "artifacts", "host-rollout-stages.png") });
        await page.getByRole("button", { name: "Promote to everyone" }).click();
        await page.waitForURL(`${host.base}/spaces/alice/clf?tab=rollout`);
        await expect.poll(() => page.locator("#ro-state").textContent()).toBe("Promoted");
        expect(await page.locator("#ro-stages [aria-current=step]").textContent()).toBe("Everyone");
        expect(rt().sha).toBe(sha);
      } finally {
        await browser.close();
      }
    },
  );
});

/** The host is run under setpriv without CAP_SYS_NICE; dropping a capability needs CAP_SETPCAP. */
const DROP_SYS_NICE = ["setpriv", "--bounding-set", "-sys_nice", "--inh-caps", "-sys_nice"];
const canDropSysNice = (() => {
  const ok = spawnSync(DROP_SYS_NICE[0]!, [...DROP_SYS_NICE.slice(1), "true"]).status === 0;
  if (!ok) console.warn("Skipping the host without CAP_SYS_NICE: setpriv cannot drop it here (no CAP_SETPCAP, or no setpriv)");
  return ok;
})();

describe.skipIf(!gitLfsPresent("Space host without CAP_SYS_NICE") || !canDropSysNice)(
  "a host that may not raise priorities (no CAP_SYS_NICE)",
  () => {
    test("a shadow leaving its low priority is started again at normal priority, and the rollout goes on", async () => {
      const temp = mkdtempSync(join(tmpdir(), "host-nice-"));
      const dataDir = join(temp, "data");
      const token = new Accounts(dataDir).createToken("alice");
      // The host as root but without CAP_SYS_NICE: it can lower a priority, not raise it back. (A
      // sandboxed app's weight is its cgroup's, which needs no CAP_SYS_NICE: this is dev mode's.)
      // A short drain: the test waits for the shadow's process to be gone (SPACE_DRAIN, 5 s by default).
      const host = await hostProcess(dataDir, { SPACE_RUNTIME: "process", SPACE_DRAIN: "0.3" }, DROP_SYS_NICE);
      try {
        const tools = await gitUser(temp);
        const dir = await tinySpaceRepo(tools.git, temp, "clf");
        const push = async (message: string, card: string) => {
          writeFileSync(join(dir, "server.mjs"), `${classifierServer({})}// ${message}\n`);
          writeFileSync(join(dir, "README.md"), `---\ntitle: clf\nsdk: docker\napp_port: 7860\n${card}---\n`);
          await tools.git(dir, "add", ".");
          await tools.git(dir, "commit", "--quiet", "-m", message);
          await tools.git(dir, "push", "--quiet", remoteUrl(host.base, "alice/clf", "alice", token), "main");
          return (await tools.git(dir, "rev-parse", "HEAD")).stdout.trim();
        };
        await push("v1", "");
        const sha = await push("v2: shadow first", "rollout: {mode: shadow, percent: [50], promote: manual}\n");
        /** The process groups running `sha`, from the host's own records. */
        const groups = () =>
          readdirSync(join(dataDir, "run"))
            .map((f) => JSON.parse(readFileSync(join(dataDir, "run", f), "utf8")) as { sha: string; pgid: number })
            .filter((r) => r.sha === sha)
            .map((r) => r.pgid);
        const [shadow] = groups();
        expect(niceOfApp(dataDir, shadow!)).toEqual([19]);
        const promote = await fetch(`${host.base}/api/spaces/alice/clf/rollout/promote`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
        });
        const r = (await promote.json()) as ReturnType<Rollout["toJSON"]>;
        expect(r).toMatchObject({ state: "active", stage: 1, percent: 50 });
        // A new process at normal priority serves the canary; the shadow's drains away.
        const started = groups().filter((g) => g !== shadow);
        expect(started).toHaveLength(1);
        expect(niceOfApp(dataDir, started[0]!)).toEqual([0]);
        await waitFor(() => !groups().includes(shadow!), { what: "the niced process gone" });
        const revs = new Set<string | null>();
        for (let i = 0; i < 16; i++)
          revs.add((await fetch(`${host.base}/spaces/alice/clf/app/hello?session_hash=nice-${i}`)).headers.get("x-rev"));
        expect(revs.has(sha.slice(0, 12))).toBe(true); // both revisions serve, half the sessions each
        expect(revs.size).toBe(2);
      } finally {
        host.child.kill("SIGTERM");
        await host.exited;
        if (!process.env.KEEP) rmSync(temp, { recursive: true, force: true });
      }
    }, 60_000);
  },
);
