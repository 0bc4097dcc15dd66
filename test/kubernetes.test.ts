/**
 * deploy/kubernetes/ against the Kubernetes API schemas (kubernetes-models: the OpenAPI
 * definitions compiled to validators; types, required fields and enums — unknown fields are left
 * to the API server's own field validation), and the references between the objects: labels,
 * probes on the app's real endpoints, the port, the Redis address.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Service } from "kubernetes-models/v1/Service";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { parseAllDocuments } from "yaml";
import { describe, expect, test } from "vitest";
import { Image, Interface, Label } from "../src/index.ts";
import { createApp } from "../src/gradio/app.ts";
import { root } from "./helpers.ts";

const dir = join(root, "deploy/kubernetes");
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML walked by path in the assertions; a wrong path fails the test anyway.
type Doc = any;
const docs: Doc[] = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), "utf8")).map((d) => d.toJS()));
const models: Record<string, new (doc: Doc) => { validate(): void }> = {
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "v1/Service": Service,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
};
const find = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);

describe("deploy/kubernetes", () => {
  test("every object is valid against its API schema", () => {
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual([
      "Deployment/space",
      "HorizontalPodAutoscaler/space",
      "PodDisruptionBudget/space",
      "Service/redis",
      "Service/space",
      "StatefulSet/redis",
    ]);
    for (const doc of docs) {
      const Model = models[`${doc.apiVersion}/${doc.kind}`];
      expect(Model, `${doc.apiVersion} ${doc.kind}`).toBeDefined();
      expect(() => new Model!(doc).validate(), `${doc.kind}/${doc.metadata.name}`).not.toThrow();
    }
  });

  test("the objects point at each other and at the app's real endpoints", async () => {
    const deploy = find("Deployment", "space");
    const pod = deploy.spec.template;
    const container = pod.spec.containers[0];
    const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(pod.metadata.labels).toMatchObject(deploy.spec.selector.matchLabels);
    expect(find("Service", "space").spec.selector).toEqual(deploy.spec.selector.matchLabels);
    expect(find("Service", "space").spec.sessionAffinity).toBe("None"); // no stickiness needed
    expect(find("PodDisruptionBudget", "space").spec.selector.matchLabels).toEqual(deploy.spec.selector.matchLabels);
    expect(find("HorizontalPodAutoscaler", "space").spec.scaleTargetRef).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "space",
    });
    expect(container.ports[0].containerPort).toBe(Number(env.PORT));
    const redisHost = new URL(env.QUEUE_URL).hostname;
    expect(find("Service", redisHost).spec.ports[0].port).toBe(Number(new URL(env.QUEUE_URL).port));
    expect(container.readinessProbe.httpGet.path).toBe("/readyz");
    expect(container.livenessProbe.httpGet.path).toBe("/healthz");
    // Graceful stop fits: preStop sleep + launch()'s 10 s drain limit < the grace period.
    expect(Number(container.lifecycle.preStop.exec.command[1]) + 10).toBeLessThan(pod.spec.terminationGracePeriodSeconds);
    // The probes' paths answer in the embedded mode too.
    const app = createApp(new Interface({ fn: () => ({ a: 1 }), inputs: new Image(), outputs: new Label() }));
    expect((await app.request("/healthz")).status).toBe(200);
    expect(await (await app.request("/readyz")).json()).toEqual({ status: "ready" });
  });
});
