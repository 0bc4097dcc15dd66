/**
 * The post-receive hook's program (a thin shim, as gitea's and piku's): git runs it after a push
 * with "<old> <new> <ref>" lines on stdin; it hands them to the host, which builds and starts the
 * Space, and copies the host's streamed log to stdout — which git shows the pusher as `remote:`.
 * Everything it needs arrives in the environment the host gave git http-backend.
 */
const url = process.env.SPACE_HOOK_URL;
const token = process.env.SPACE_HOOK_TOKEN;
const space = process.env.SPACE_ID;
if (!url || !token || !space) {
  console.log("Space host hook: no SPACE_HOOK_URL/SPACE_HOOK_TOKEN/SPACE_ID in the environment; not deploying.");
  process.exit(0);
}
let input = "";
for await (const chunk of process.stdin) input += chunk;
try {
  const response = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" }, body: JSON.stringify({ space, updates: input }) });
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) process.stdout.write(decoder.decode(chunk, { stream: true }));
} catch (err) {
  console.log(`Space host hook: could not reach the host (${(err as Error).message}); the push is stored but not deployed.`);
}
