/**
 * Staged rollouts (`host/rollout/`) with real git pushes: a canary promoted by its numbers, a
 * canary that fails half its calls rolled back while the current revision's visitors see no
 * error, a shadow that disagrees reported and not promoted, the owner's promote and rollback
 * (CLI and the Space page's buttons in Chromium), a rollout resumed by a host restart, and —
 * with this repository's Fashion Space — a shadow comparing real labels over the queue, and
 * `@gradio/client` sessions that keep their revision. Windows are the card's, set small.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Accounts } from "../../../host/accounts/accounts.ts";
import { installedModules, installKey } from "../../../host/build/install.ts";
import { bucket } from "../../../host/rollout/rollout.ts";
import { hasChromium, launchBrowser } from "../../browser.ts";
import { root, waitFor } from "../../helpers.ts";
import { openRolloutTab } from "./owner-page.ts";
import { ClassifierHost, copySpace, gitLfsPresent, remoteUrl } from "../harness.ts";

const artifacts = join(root, "test", "artifacts");

describe.skipIf(!gitLfsPresent("Space host rollout tests"))("staged rollouts of a Space's new revision", () => {
  let f: ClassifierHost;
  // What the tests use of it; `host` is another one after the restart test's restart.
  let temp: string;
  let accounts: Accounts;
  let token: string;
  let host: ClassifierHost["host"];
  let tools: ClassifierHost["tools"];

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    f = await ClassifierHost.start("host-rollout", { drainMs: 500, stopGraceMs: 2000, readyTimeoutMs: 15_000, rolloutTickMs: 100 });
    ({ temp, accounts, token, host, tools } = f);
  });
  afterAll(() => f?.close());

  const rt = () => f.rt();
  const pushRevision = (...args: Parameters<ClassifierHost["push"]>) => f.push(...args);
  const predict = (path = "/api/predict") =>
    fetch(`${host.base}/spaces/alice/clf/app${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ data: ["x"] }),
    }).then(async (r) => ({ status: r.status, rev: r.headers.get("x-rev"), body: (await r.json()) as { data?: [{ label: string }] } }));
  const runtime = () => f.runtime();
  const cli = (...args: string[]) => f.cli(...args);

  test("a good revision in canary 20 % is promoted by its numbers; sessions stay on the revision they joined", async () => {
    const v1 = rt().sha!;
    const { stderr, sha } = await pushRevision("v2: as good", {}, "{mode: canary, percent: 20, after_requests: 60, judge_after: 5}");
    expect(stderr).toContain(
      `remote: Rollout started: ${sha.slice(0, 12)} next to ${v1.slice(0, 12)}, canary 20 % of new sessions and one-shot calls, then everyone; promoted automatically after 60 calls`,
    );
    expect(stderr).toMatch(/remote: Watch it: http:\/\/127\.0\.0\.1:\d+\/spaces\/alice\/clf\?tab=rollout/);
    expect(rt().sha).toBe(v1); // everyone else is still on v1
    // Queue sessions: the join and every later request of a session reach the same revision.
    for (let i = 0; i < 12; i++) {
      const hash = `session-${i}`;
      const join = await fetch(`${host.base}/spaces/alice/clf/app/gradio_api/queue/join`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ data: ["x"], session_hash: hash }),
      });
      const expected = bucket(hash) < 20 ? sha : v1;
      expect(join.headers.get("x-rev")).toBe(expected.slice(0, 12));
      for (let k = 0; k < 2; k++)
        expect((await fetch(`${host.base}/spaces/alice/clf/app/gradio_api/queue/data?session_hash=${hash}`)).headers.get("x-rev")).toBe(
          expected.slice(0, 12),
        );
    }
    const seen = { [v1.slice(0, 12)]: 0, [sha.slice(0, 12)]: 0 };
    for (let i = 0; i < 1000 && rt().rollout!.active; i++) seen[(await predict()).rev!]!++;
    const r = (await runtime()).rollout;
    expect(r.state).toBe("promoted");
    expect(r.history.map((d: { action: string; by: string }) => `${d.action}/${d.by}`)).toEqual(["started/push", "promoted/auto"]);
    expect(r.history[1]!.reason).toMatch(/^after 60 calls: 60 calls, error rate 0 % vs 0 %, p99 \d+ ms vs \d+ ms$/);
    const share = seen[sha.slice(0, 12)]! / (seen[sha.slice(0, 12)]! + seen[v1.slice(0, 12)]!);
    expect(share).toBeGreaterThan(0.1); // ~290 calls: 20 % ± 2.4 points (σ)
    expect(share).toBeLessThan(0.3);
    expect(r.stable.errors + r.candidate.errors).toBe(0);
    expect(rt().sha).toBe(sha);
    expect((await predict()).rev).toBe(sha.slice(0, 12));
  });

  test("a revision that fails half its calls is rolled back within its window; the current revision's visitors see no error", async () => {
    const stable = rt().sha!;
    const { sha } = await pushRevision("v3: fails half", { failEvery: 2 }, "{mode: canary, percent: 50, promote: manual, judge_after: 8}");
    expect(rt().rollout!.candidateSha).toBe(sha);
    let stableFailures = 0;
    let calls = 0;
    const paths = ["/api/predict", "/run/predict", "/gradio_api/api/predict"];
    for (; calls < 200 && rt().rollout!.active; calls++) {
      const r = await predict(paths[calls % 3]);
      if (r.rev === stable.slice(0, 12) && r.status !== 200) stableFailures++;
    }
    const r = (await runtime()).rollout;
    expect(r.state).toBe("rolled back");
    expect(r.history.at(-1)).toMatchObject({ action: "rolled back", by: "auto" });
    expect(r.history.at(-1)!.reason).toMatch(
      /^error rate 50 % \(4 of 8 calls\) vs 0 % \(0 of \d+\) on the current revision; the margin is \+5 %$/,
    );
    expect(calls).toBeLessThan(60); // 8 calls on the canary, at half the traffic
    expect(stableFailures).toBe(0);
    expect(r.stable.errors).toBe(0);
    // The push's log (the build log) and the run log say why, with the numbers.
    expect(rt().buildLog.tail(3).join("\n")).toContain(
      `rollout: rolled back ${sha.slice(0, 12)}; ${stable.slice(0, 12)} serves everyone (auto): error rate 50 %`,
    );
    for (let i = 0; i < 10; i++) expect(await predict()).toMatchObject({ status: 200, rev: stable.slice(0, 12) });
    expect(rt().sha).toBe(stable);
  });

  test("a canary whose queue calls fail inside their result streams (after a 200 join) is rolled back; the current revision's sessions see no error", async () => {
    const stable = rt().sha!;
    await pushRevision("v3b: fails in the stream", { streamFailEvery: 2 }, "{mode: canary, percent: 50, promote: manual, judge_after: 6}");
    const app = `${host.base}/spaces/alice/clf/app/gradio_api/queue`;
    let stableFailures = 0;
    for (let i = 0; i < 100 && rt().rollout!.active; i++) {
      const session_hash = `stream-${i}`;
      const join = await fetch(`${app}/join`, { method: "POST", body: JSON.stringify({ data: ["x"], session_hash }) });
      expect(join.status).toBe(200);
      const frames = (await (await fetch(`${app}/data?session_hash=${session_hash}`)).text()).split("\n\n");
      const done = JSON.parse(frames.find((f) => f.includes("process_completed"))!.slice(6)) as { success: boolean };
      if (join.headers.get("x-rev") === stable.slice(0, 12) && !done.success) stableFailures++;
    }
    const r = (await runtime()).rollout;
    expect(r.state).toBe("rolled back");
    expect(r.history.at(-1)!.reason).toMatch(/^error rate 50 % \(3 of 6 calls\) vs 0 % \(0 of \d+\)/);
    expect(stableFailures).toBe(0);
    expect(r.stable.requests).toBeGreaterThan(0);
    expect(r.stable.errors).toBe(0);
    expect(rt().sha).toBe(stable);
  });

  test("a shadow that disagrees on most labels is reported and not promoted; visitors only ever get the current answers", async () => {
    const stable = rt().sha!;
    await pushRevision("v4: says B", { disagreeEvery: 5 }, "{mode: shadow, after_requests: 10, judge_after: 5, min_agreement: 0.9}");
    const labels = new Set<string>();
    for (let i = 0; i < 100 && rt().rollout!.active; i++) {
      if (i % 3 === 2) {
        // The curl flow: POST /call, then its result stream.
        const { event_id } = (await (
          await fetch(`${host.base}/spaces/alice/clf/app/gradio_api/call/predict`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ data: ["x"] }),
          })
        ).json()) as { event_id: string };
        const stream = await (await fetch(`${host.base}/spaces/alice/clf/app/gradio_api/call/predict/${event_id}`)).text();
        labels.add((JSON.parse(stream.match(/^data: (.*)$/m)![1]!) as [{ label: string }])[0].label);
      } else {
        const r = await predict(i % 3 ? "/run/predict" : "/api/predict");
        expect(r.rev).toBe(stable.slice(0, 12));
        labels.add(r.body.data![0].label);
      }
      await new Promise((res) => setTimeout(res, 5)); // let the copies' answers in
    }
    expect([...labels]).toEqual(["A"]);
    await waitFor(() => !rt().rollout!.active, { timeout: 3000, what: "the rollback" });
    const r = (await runtime()).rollout;
    expect(r.state).toBe("rolled back");
    expect(r.agreement!.rate).toBeLessThan(0.5);
    expect(r.agreement!.compared).toBeGreaterThanOrEqual(10);
    expect(r.history.at(-1)!.reason).toMatch(/^after 1\d compared answers: only \d+(\.\d)? % of answers agree \(\d+ of 1\d; 90 % needed\)/);
    expect(r.candidate.requests).toBeGreaterThanOrEqual(10); // the copies, counted as the shadow's calls
    expect(r.shadow!.dropped).toBe(0);
    expect(rt().sha).toBe(stable);
  });

  test("the owner's CLI chooses the rollout, then promotes or rolls back", async () => {
    const stable = rt().sha!;
    const set = await cli("rollout", "alice/clf", "canary", "30", "--promote", "manual");
    expect(set.stdout).toContain(
      "alice/clf's next pushes roll out as canary 30 % of new sessions and one-shot calls, then everyone; promoted by its owner",
    );
    const { sha } = await pushRevision("v5: CLI rollout", {});
    expect(rt().rollout).toMatchObject({ candidateSha: sha, state: "active", policy: { stages: [30], promote: "manual" } });
    for (let i = 0; i < 30; i++) expect((await predict()).status).toBe(200);
    expect((await cli("rollout", "alice/clf")).stdout).toMatch(
      /^canary 30 %: active\n {2}stages {4}\[canary 30 %\] → everyone\n {2}current {3}[0-9a-f]{12} {2}\d+ calls, 0 errors/,
    );
    const back = await cli("rollback", "alice/clf");
    expect(back.stdout).toMatch(/^canary 30 %: rolled back/m);
    expect(back.stdout).toContain("rolled back (alice): by its owner; ");
    expect(rt().sha).toBe(stable);
    const { sha: v6 } = await pushRevision("v6: CLI promote", {});
    expect((await cli("promote", "alice/clf")).stdout).toMatch(/promoted \(alice\): by its owner/);
    expect(rt().sha).toBe(v6);
    // Nothing to promote now: the CLI says so.
    expect(
      await cli("promote", "alice/clf").then(
        () => "",
        (err: { stderr: string }) => err.stderr,
      ),
    ).toContain("Cannot promote: no rollout is under way.");
  });

  test.skipIf(!hasChromium)(
    "the Space page shows the rollout (split, per-revision bars, decisions) and its owner's buttons promote and roll back",
    async () => {
      accounts.setRollout("alice", "clf", { mode: "canary", percent: 25, promote: "manual" });
      const { sha } = await pushRevision("v7: page rollback", { failEvery: 10 });
      for (let i = 0; i < 40; i++) await predict();
      const browser = await launchBrowser();
      try {
        const page = await openRolloutTab(browser, host.base, token);
        const section = page.getByRole("region", { name: "Rollout" });
        await expect.poll(() => section.locator("#ro-rows tr").count()).toBe(2);
        expect(await page.locator("#ro-chip").textContent()).toBe(`Canary 25 % · ${sha.slice(0, 7)}`);
        expect(await page.locator("#ro-split").getAttribute("aria-label")).toBe("75 % to the current revision, 25 % to the new one");
        expect(await section.locator("#ro-rows tr").nth(1).textContent()).toContain(`new ${sha.slice(0, 12)}`);
        await page.screenshot({ path: join(artifacts, "host-rollout.png") });
        await page.getByRole("button", { name: "Roll back" }).click();
        await page.waitForURL(`${host.base}/spaces/alice/clf?tab=rollout`);
        await expect.poll(() => page.locator("#ro-state").textContent()).toBe("Rolled back");
        expect(rt().rollout!.state).toBe("rolled back");
        expect(await page.locator("#ro-history li").last().textContent()).toContain("rolled back (alice): by its owner");
        expect(await page.getByRole("button", { name: "Promote to everyone" }).isVisible()).toBe(false);

        const { sha: v8 } = await pushRevision("v8: page promote", {});
        await page.reload();
        await page.getByRole("button", { name: "Promote to everyone" }).click();
        await page.waitForURL(`${host.base}/spaces/alice/clf?tab=rollout`);
        expect(rt().sha).toBe(v8);
        await expect.poll(() => page.locator("#ro-state").textContent()).toBe("Promoted");
        // A page that is not the host's own cannot press the buttons for her (formGuard).
        const forged = await fetch(`${host.base}/spaces/alice/clf/rollout/promote`, {
          method: "POST",
          headers: { origin: "http://evil.example", authorization: `Bearer ${token}` },
        });
        expect(forged.status).toBe(403);
      } finally {
        await browser.close();
        accounts.setRollout("alice", "clf", undefined);
      }
    },
  );

  test("a rollout under way survives a host restart: both revisions come back, with their counts", async () => {
    const stable = rt().sha!;
    const { sha } = await pushRevision("v9: across a restart", {}, "{mode: canary, percent: 50, promote: manual}");
    for (let i = 0; i < 20; i++) await predict();
    const before = rt().rollout!.toJSON();
    await waitFor(() => !rt().rollout!.dirty, { timeout: 2000, what: "the counts saved" }); // by the rollout's tick
    await f.restart();
    host = f.host;
    expect(rt().sha).toBe(stable);
    expect(rt().candidate?.sha).toBe(sha);
    const after = (await runtime()).rollout;
    expect(after).toMatchObject({
      state: "active",
      stable: { requests: before.stable.requests },
      candidate: { requests: before.candidate.requests },
    });
    expect(after.history.at(-1)).toMatchObject({ action: "resumed", by: "host" });
    const revs = new Set<string>();
    for (let i = 0; i < 20; i++) revs.add((await predict()).rev!);
    expect(revs).toEqual(new Set([stable.slice(0, 12), sha.slice(0, 12)]));
    expect(await host.app.spaces.rollback(accounts.space("alice", "clf")!, "alice")).toBeUndefined();
  });

  test("with the Fashion Space: a shadow compares real labels over the queue, /api/predict and /call, and is promoted; @gradio/client sessions keep their revision", async () => {
    // The Fashion Space's install is this repository's node_modules (same lock file), as in
    // git-push.test.ts: seeded here, since a clean-up keeps an install no build links to for
    // INSTALL_GRACE_MS only (host/build/gc.ts), and the tests before this one deploy a lot.
    const modules = installedModules(join(f.dataDir, "cache"), "alice", installKey(readFileSync(join(root, "package-lock.json"))));
    mkdirSync(join(modules, ".."), { recursive: true });
    symlinkSync(join(root, "node_modules"), modules, "dir");
    const fashion = copySpace(temp, "fashion");
    const { git } = tools;
    await git(fashion, "init", "--quiet");
    await git(fashion, "add", ".");
    await git(fashion, "commit", "--quiet", "-m", "Fashion");
    const remote = remoteUrl(host.base, "alice/fashion", "alice", token);
    await git(fashion, "push", "--quiet", remote, "main");
    const frt = () => host.app.runtimes.get("alice/fashion")!;
    const card = (rollout: string) => readFileSync(join(root, "README.md"), "utf8").replace(/\n---\n/, `\nrollout: ${rollout}\n---\n`);
    writeFileSync(
      join(fashion, "README.md"),
      card("{mode: shadow, after_requests: 6, judge_after: 3, max_p99_ratio: 5, p99_slack_ms: 2000}"),
    );
    await git(fashion, "commit", "--quiet", "-am", "Shadow the same model");
    await git(fashion, "push", "--quiet", remote, "main");
    const shadowSha = frt().rollout!.candidateSha;
    const { Client } = await import("@gradio/client");
    const app = `${host.base}/spaces/alice/fashion/app`;
    const images = ["bag.png", "sneaker.png", "trouser.png"].map((f) => readFileSync(join(root, "examples", f)));
    const client = await Client.connect(`${app}/`);
    for (const image of images)
      expect(((await client.predict("/predict", [image])).data as [{ label: string }])[0].label).toMatch(/Bag|Sneaker|Trouser/);
    const dataUrl = `data:image/png;base64,${images[0]!.toString("base64")}`;
    const post = (path: string) =>
      fetch(`${app}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ data: [dataUrl] }),
      });
    expect(((await (await post("/api/predict")).json()) as { data: [{ label: string }] }).data[0].label).toBe("Bag");
    const { event_id } = (await (await post("/gradio_api/call/predict")).json()) as { event_id: string };
    expect(await (await fetch(`${app}/gradio_api/call/predict/${event_id}`)).text()).toContain('"label":"Bag"');
    await waitFor(() => frt().rollout!.agreement.compared >= 5, { timeout: 15_000, what: "5 compared answers" });
    for (const image of images) await client.predict("/predict", [image]);
    await waitFor(() => frt().rollout!.state === "promoted", { timeout: 15_000, what: "the promotion" });
    client.close();
    const shadow = frt().rollout!.toJSON();
    expect(shadow.agreement).toMatchObject({ rate: 1, max_confidence_diff: expect.any(Number) });
    expect(shadow.agreement!.max_confidence_diff).toBeLessThan(1e-3); // the same model, the same confidences
    expect(frt().sha).toBe(shadowSha);

    // A canary of the same Space: each @gradio/client session stays on the revision its hash picked, through a rollback.
    writeFileSync(join(fashion, "README.md"), card("{mode: canary, percent: 50, promote: manual}"));
    await git(fashion, "commit", "--quiet", "-am", "Canary");
    await git(fashion, "push", "--quiet", remote, "main");
    const apps = { stable: frt().address!, candidate: frt().candidate!.address };
    const clients = await Promise.all(Array.from({ length: 6 }, () => Client.connect(`${app}/`)));
    for (const c of clients) await c.predict("/predict", [images[0]!]);
    const onCandidate = clients.filter((c: { session_hash: string }) => bucket(c.session_hash) < 50).length;
    for (const c of clients) expect(frt().sessions.get(c.session_hash)).toBe(bucket(c.session_hash) < 50 ? apps.candidate : apps.stable);
    expect(frt().rollout!.candidate.requests).toBe(onCandidate);
    expect(frt().rollout!.stable.requests).toBe(6 - onCandidate);
    expect(await host.app.spaces.rollback(accounts.space("alice", "fashion")!, "alice")).toBeUndefined();
    // Right after the rollback every session's next call still succeeds (the canary drains its own).
    for (const c of clients) expect(((await c.predict("/predict", [images[1]!])).data as [{ label: string }])[0].label).toBe("Sneaker");
    for (const c of clients) c.close();
  }, 90_000);
});
