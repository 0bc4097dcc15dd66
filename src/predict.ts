/**
 * The one execution core: one dependency (event listener) of a Blocks, run as preprocess → fn
 * → postprocess, with the session's State read before and written after. Every transport
 * (one-shot REST, the queue, the curl API) calls `runDependency`, so all of them validate and
 * fail the same way. A generator `fn` (an `async function*`/`function*`, or one that returns an
 * (async) iterable) yields here: each value is postprocessed and handed to `ctx.onGenerate`, and
 * the last one is the call's result, as Gradio's process_generating/process_completed do; an
 * output that streams (Audio with `streaming: true`) gets all its yields combined instead.
 */
import { initialValue, isState, skipsApi, type Blocks, type Dependency } from "./blocks/blocks.ts";
import { createProgress } from "./blocks/feedback.ts";
import type { Component, EventData, PreprocessContext } from "./components/component.ts";
import type { PathContext, PostprocessContext } from "./components/file-context.ts";
import { describeValue, InputError } from "./errors.ts";
import type { Interface } from "./interface.ts";

/** The outcome of one call. */
export interface PredictResult {
  /** One wire value per output component (null for a State). */
  data: unknown[];
  /** Seconds spent in preprocess → fn → postprocess. */
  duration: number;
  /** Ids of the State outputs the call set (gradio `changed_state_ids`). */
  changedState?: number[];
}

/**
 * What a call may ask of the server: files, and the session's State values by component id
 * (read and written here; the server loads and stores them around the call).
 *
 * @example
 * const ctx: RunContext = { ...files, state: new Map() };
 */
export interface RunContext extends PreprocessContext, Partial<Pick<PathContext, "resolvePath">>, Partial<PostprocessContext> {
  state?: Map<number, unknown>;
  /** A generator `fn`'s every yield, postprocessed (the queue sends each as `process_generating`). */
  onGenerate?: (result: PredictResult) => void;
  /** Aborted when the caller cancels or goes away: a generator is stopped (its `finally` runs). */
  signal?: AbortSignal;
  /** The event's data as the caller sent it (`event_data`), for a dependency with `eventData`. */
  eventData?: unknown;
}

/** What a generator `fn` returned: an async generator, a sync generator, or any async iterable. */
type Yielding = AsyncIterator<unknown> | Iterator<unknown>;

/**
 * The iterator to drain when `fn` returned a generator or an async iterable; undefined for a
 * plain value (an array or a string is a value, not a stream: it has no `next`).
 */
function iteratorOf(result: unknown): Yielding | undefined {
  if (typeof result !== "object" || result === null) return undefined;
  const r = result as Partial<AsyncIterable<unknown> & Iterator<unknown>>;
  if (typeof r[Symbol.asyncIterator] === "function") return r[Symbol.asyncIterator]!();
  if (typeof r.next === "function" && typeof (r as Partial<Iterable<unknown>>)[Symbol.iterator] === "function")
    return r as Iterator<unknown>;
  return undefined;
}

/**
 * True when `fn` is written as a generator (gradio's `types.generator` in /config, which shows
 * the page's Stop button). A plain function that returns an async iterable streams too, but
 * cannot be told apart before it runs.
 *
 * @example
 * isGeneratorFunction(async function* () { yield 1; }) // → true
 */
export function isGeneratorFunction(fn: unknown): boolean {
  const name = (fn as { constructor?: { name?: string } } | null)?.constructor?.name;
  return name === "AsyncGeneratorFunction" || name === "GeneratorFunction";
}

/** The next macrotask: lets sockets flush and a cancel arrive between two yields of a generator that never awaits. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const nameOf = (c: Component) => c.label ?? c.type;

/**
 * The dependency a call names: by fn_index when given (it overrides the name, as gradio's
 * route_utils does), else by api name. Private endpoints answer by fn_index only (the page).
 *
 * @throws {InputError} 404 listing the endpoints there are.
 * @example
 * findDependency(demo, { apiName: "greet" }).id // → 0
 */
export function findDependency(blocks: Blocks, by: { fnIndex?: unknown; apiName?: string }): Dependency {
  const byIndex = by.fnIndex !== undefined && by.fnIndex !== null;
  const found = byIndex
    ? blocks.dependencies.find((d) => d.id === by.fnIndex && d.fn)
    : blocks.dependencies.find((d) => d.apiName === by.apiName && d.fn && d.apiVisibility !== "private");
  if (found) return found;
  const named = blocks.dependencies.filter((d) => d.fn && d.apiVisibility !== "private").map((d) => `"${d.apiName}" (fn_index ${d.id})`);
  const has = named.length === 0 ? "this Space has no named endpoints" : `this Space has ${named.join(", ")}`;
  throw new InputError(`Unknown endpoint ${byIndex ? `fn_index ${by.fnIndex}` : `"${by.apiName}"`}: ${has}.`, 404);
}

/** The inputs a caller sends: all but State, which the session holds. */
const apiInputs = (dep: Dependency) => dep.inputs.filter((c) => !skipsApi(c));

/**
 * Checks that `data` holds one value per input, so a queue can refuse a wrong shape at join
 * time. A State input may be sent (as null, as the page does) or left out (as the API lists it).
 *
 * @throws {InputError} 422 naming what was expected.
 * @example
 * checkInputs(iface.dependencies[0], []) // throws "Expected 1 input (image), got 0."
 */
export function checkInputs(dep: Dependency, data: unknown): asserts data is unknown[] {
  const sent = apiInputs(dep);
  const names = sent.map(nameOf).join(", ");
  if (!Array.isArray(data)) {
    throw new InputError(
      `Expected "data" to be a list with ${plural(sent.length, "value")} (${names}), got ${data === undefined ? "nothing" : typeof data}.`,
      422,
    );
  }
  if (data.length !== dep.inputs.length && data.length !== sent.length) {
    const where = dep.inputs.length > 1 ? ` for /${dep.apiName}` : "";
    throw new InputError(`Expected ${plural(sent.length, "input")} (${names})${where}, got ${data.length}.`, 422);
  }
}

/**
 * The API's name for each input a caller sends (gradio `parameter_name` in /info): the event
 * function's own parameter names; an Interface's are its inputs' labels (else their types).
 *
 * @example
 * parameterNames(demo.dependencies[0]) // → ["name"]
 */
export function parameterNames(dep: Dependency): string[] {
  return dep.inputs.flatMap((c, i) => (skipsApi(c) ? [] : [dep.parameters[i]!.name]));
}

/**
 * The inputs of a call keyed by parameter name (the curl API v2, gradio ≥ 6.13:
 * `{"<parameter_name>": value, …}`), as the list `runDependency` takes.
 *
 * @throws {InputError} 422 for anything but an object with exactly the parameter names.
 * @example
 * inputsFromNamed(iface.dependencies[0], { image: { path: "/tmp/gradio-x/ab/cat.png" } }) // → [{ path: "/tmp/gradio-x/ab/cat.png" }]
 */
export function inputsFromNamed(dep: Dependency, body: unknown): unknown[] {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new InputError(`Expected a JSON object keyed by parameter name, got ${describeValue(body)}.`, 422);
  const names = parameterNames(dep);
  const extra = Object.keys(body).filter((k) => !names.includes(k));
  const missing = names.filter((n) => !(n in body));
  if (extra.length || missing.length) {
    throw new InputError(
      `Expected the parameters ${names.map((n) => `"${n}"`).join(", ")}; ${missing.length ? `missing ${missing.join(", ")}` : `unknown ${extra.join(", ")}`}.`,
      422,
    );
  }
  return names.map((n) => (body as Record<string, unknown>)[n]);
}

/** A session's first value of a State: a copy of its initial value, so sessions never share one. */
function initialState(c: Component): unknown {
  const initial = (c as { initial?: () => unknown }).initial;
  if (initial) return initial.call(c);
  const value = initialValue(c);
  try {
    return structuredClone(value ?? null);
  } catch {
    return value; // functions, class instances: shared, as Gradio's deepcopy would fail too
  }
}

/** Gradio's update object (`gr.update(…)`): props to change, and maybe a new value. */
export const isUpdate = (v: unknown): v is { __type__: "update"; value?: unknown } =>
  typeof v === "object" && v !== null && (v as { __type__?: unknown }).__type__ === "update";

/** The event's data for `fn`: a copy of the object the caller sent, `{}` when it sent none (or no object). */
const eventDataOf = (data: unknown): EventData =>
  typeof data === "object" && data !== null && !Array.isArray(data) ? structuredClone(data as EventData) : {};

/**
 * Runs one dependency of `blocks` on one request's `data` (one wire value per input; State
 * inputs null or left out): preprocess each input, call `fn`, postprocess each output. State
 * values come from and go to `ctx.state`.
 *
 * @throws {InputError} when `data` has the wrong shape or an input cannot be used (the message
 *   names the endpoint and the component when the event has several inputs).
 * @example
 * await runDependency(demo, 0, ["World"], ctx) // → { data: ["Hello World!"], duration: 0.0001 }
 */
export async function runDependency(blocks: Blocks, fnIndex: number, data: unknown, ctx: RunContext): Promise<PredictResult> {
  const started = performance.now();
  const dep = blocks.dependencies[fnIndex];
  if (!dep?.fn) throw new InputError(`Unknown endpoint fn_index ${fnIndex}.`, 404);
  checkInputs(dep, data);
  const state = ctx.state ?? new Map<number, unknown>();
  // The page sends null for a State; the API leaves it out.
  let next = 0;
  const values = dep.inputs.map((c) => (skipsApi(c) && data.length !== dep.inputs.length ? null : data[next++]));
  const args = await Promise.all(
    dep.inputs.map(async (c, i) => {
      if (isState(c)) {
        const id = blocks.idOf(c);
        if (!state.has(id)) state.set(id, initialState(c));
        return state.get(id);
      }
      try {
        return await c.preprocess(values[i], ctx);
      } catch (err) {
        // With several inputs, say which one and where; an Interface's single input keeps its message.
        if (!(err instanceof InputError) || dep.inputs.length === 1) throw err;
        throw new InputError(`/${dep.apiName}, ${c.componentName} "${nameOf(c)}" (input ${i + 1}): ${err.message}`, err.status);
      }
    }),
  );
  if (dep.eventData) args.push(eventDataOf(ctx.eventData));
  if (dep.progress) args.push(createProgress());
  const result = await dep.fn(...args);
  const iterator = iteratorOf(result);
  if (!iterator) return { ...(await outputsOf(blocks, dep, result, ctx, state)), duration: (performance.now() - started) / 1000 };
  // A generator: every yield goes out as it comes; the last one is the result (gradio
  // handle_streaming_diffs with final=True). Nothing yielded: one null per output.
  let last: Omit<PredictResult, "duration"> = { data: dep.outputs.map(() => null), changedState: [] };
  // Outputs that stream (Audio with streaming: true) keep every yield: their final value is all of them combined.
  const streamed = dep.outputs.map((c) => (c.combineStream ? ([] as unknown[]) : undefined));
  const signal = ctx.signal;
  const aborted = signal && new Promise<"aborted">((resolve) => signal.addEventListener("abort", () => resolve("aborted"), { once: true }));
  try {
    for (;;) {
      if (signal?.aborted) break;
      const step = await (aborted ? Promise.race([iterator.next(), aborted]) : iterator.next());
      if (step === "aborted" || step.done) break;
      last = await outputsOf(blocks, dep, step.value, ctx, state);
      streamed.forEach((chunks, i) => {
        const value = isUpdate(last.data[i]) ? last.data[i].value : last.data[i];
        if (chunks && value !== null && value !== undefined) chunks.push(value);
      });
      ctx.onGenerate?.({ ...last, duration: (performance.now() - started) / 1000 });
      await nextTurn();
    }
  } finally {
    // Cancelled (or failed in postprocess): stop the generator so its `finally` runs. An async
    // generator still awaiting inside takes the return once that await settles; the caller is
    // not kept waiting for it.
    // (On a generator that already finished, return() does nothing.)
    void Promise.resolve(iterator.return?.()).catch(() => {});
  }
  // A cancelled call sends no final value, so there is nothing to combine.
  if (!signal?.aborted) last = { ...last, data: await combined(dep, last.data, streamed, ctx) };
  return { ...last, duration: (performance.now() - started) / 1000 };
}

/** The final wire values of a generator's call: a streaming output's chunks combined (in place of an update's value), the others as last yielded. */
function combined(dep: Dependency, data: unknown[], streamed: (unknown[] | undefined)[], ctx: RunContext): Promise<unknown[]> {
  return Promise.all(
    data.map(async (value, i) => {
      const chunks = streamed[i];
      const combine = dep.outputs[i]!.combineStream;
      if (!chunks?.length || !combine) return value;
      // The chunks were postprocessed into files, so the server's saveFile is there.
      const whole = await combine(chunks, ctx as RunContext & PostprocessContext);
      return isUpdate(value) ? { ...value, value: whole } : whole;
    }),
  );
}

/** One value of `fn` (a return or a yield) → one wire value per output, with the State outputs stored. */
async function outputsOf(
  blocks: Blocks,
  dep: Dependency,
  result: unknown,
  ctx: RunContext,
  state: Map<number, unknown>,
): Promise<Omit<PredictResult, "duration">> {
  const outputs = dep.outputs.length === 1 ? [result] : dep.outputs.length === 0 ? [] : result;
  if (!Array.isArray(outputs) || outputs.length !== dep.outputs.length) {
    throw new Error(
      `${dep.fn?.name || "fn"} should return ${plural(dep.outputs.length, "value")} (one per output), returned ${Array.isArray(outputs) ? outputs.length : typeof outputs}.`,
    );
  }
  const changedState: number[] = [];
  // Outputs that write files (Image, File) get the server's saveFile; the others ignore the argument.
  const post = (c: Component, v: unknown) => (c.postprocess as (v: unknown, ctx: RunContext) => unknown)(v, ctx);
  const output = await Promise.all(
    dep.outputs.map(async (c, i) => {
      const value = outputs[i];
      if (isState(c)) {
        const id = blocks.idOf(c);
        if (!isUpdate(value)) state.set(id, value);
        else if ("value" in value) state.set(id, value.value);
        changedState.push(id);
        return null;
      }
      if (isUpdate(value)) {
        const { __type__, value: v, ...props } = value;
        return "value" in value ? { ...props, value: await post(c, v), __type__ } : { ...props, __type__ };
      }
      return post(c, value);
    }),
  );
  return { data: output, changedState };
}

/**
 * Runs an Interface's function (its dependency 0): `runDependency` for the one endpoint.
 *
 * @example
 * await runPredict(iface, ["data:image/png;base64,iVBOR…"], ctx) // → { data: [{ label: "Sneaker", … }], duration: 0.004 }
 */
export function runPredict(iface: Interface, data: unknown, ctx: RunContext): Promise<PredictResult> {
  return runDependency(iface, 0, data, ctx);
}
