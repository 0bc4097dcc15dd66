/**
 * The framework's public surface: everything an `app.ts` needs, nothing else.
 *
 * @example
 * import { Interface, Image, Label, loadClassifier } from "./src/index.ts";
 * const model = await loadClassifier("model.onnx");
 * await new Interface({ fn: (img) => model.classify(img), inputs: new Image(), outputs: new Label({ numTopClasses: 3 }) }).launch();
 */
import { Blocks as BlocksDefinition } from "./blocks/blocks.ts";
import { Interface as Definition } from "./interface.ts";
import { ChatInterface as ChatDefinition } from "./chat-interface.ts";
import { launch, type LaunchOptions, type Server } from "./gradio/launch.ts";

export type { InterfaceOptions, ComponentLike } from "./interface.ts";
export {
  Component,
  type ComponentOptions,
  type PreprocessContext,
  type EventFn,
  type EventOptions,
  type EventArgs,
  type EventListener,
  type ProgressTracker,
  type EventData,
  type ShowProgress,
} from "./components/component.ts";
export type { BlocksOptions, Dependency, ApiVisibility } from "./blocks/blocks.ts";
export {
  Row,
  Column,
  Tabs,
  Tab,
  Accordion,
  Group,
  type RowOptions,
  type ColumnOptions,
  type TabsOptions,
  type TabOptions,
  type AccordionOptions,
  type LayoutOptions,
} from "./blocks/layouts.ts";
export { Examples, Dataset, type ExamplesOptions } from "./blocks/examples.ts";
export { GradioError, warning, info, type ToastOptions } from "./blocks/feedback.ts";
export { update } from "./blocks/update.ts";
export { Image, type ImageOptions } from "./components/image.ts";
export { Label, type LabelOptions } from "./components/label.ts";
export { Textbox } from "./components/textbox.ts";
export { NumberInput } from "./components/number.ts";
export { AppError, InputError } from "./errors.ts";
export { loadClassifier, type Classifier, type ClassifierOptions, type Confidences } from "./classifier/index.ts";
export type { ImageFile, ImageHeader, ImageFormat } from "./image-file.ts";
export type { ModelInfo, OodCalibration, DriftReference } from "./classifier/model-info.ts";
export { oodOf, withOod, type OodScore } from "./ood.ts";
export { createApp, type AppOptions, type SpaceApp } from "./gradio/app.ts";
export { launch, type LaunchOptions, type Server };

/**
 * Gradio's low-level API (`gr.Blocks`): the definition (`./blocks/blocks.ts`) with `launch()`,
 * attached here where the server is known, as for {@link Interface}.
 *
 * @example
 * const demo = new Blocks({ title: "Hello" }, () => {
 *   const name = new Textbox({ label: "Name" });
 *   const output = new Textbox({ label: "Output Box" });
 *   new Button("Greet").click({ fn: (name: string) => `Hello ${name}!`, inputs: name, outputs: output, apiName: "greet" });
 * });
 * await demo.launch();
 */
export class Blocks extends BlocksDefinition {
  /**
   * Serves the Blocks (web UI and API) on `PORT` (default 7860); see {@link launch}.
   *
   * @example
   * await demo.launch({ port: 0 });
   */
  launch(options?: LaunchOptions): Promise<Server> {
    return launch(this, options);
  }
}

/**
 * A function wrapped in a web UI and a Gradio-compatible API, as gradio's `gr.Interface`: the
 * definition (`./interface.ts`, validated at construction) with `launch()`, attached here because
 * this is where both the definition and the server are known (the server depends on the
 * definition, so the definition never imports the server).
 *
 * @example
 * const model = await loadClassifier("model.onnx");
 * await new Interface({ fn: (img) => model.classify(img), inputs: new Image(), outputs: new Label({ numTopClasses: 3 }) }).launch();
 */
export class Interface extends Definition {
  /**
   * Serves the Interface (web UI and API) on `PORT` (default 7860); see {@link launch}.
   *
   * @example
   * await new Interface({ fn, inputs: "text", outputs: "text" }).launch({ port: 0 });
   */
  launch(options?: LaunchOptions): Promise<Server> {
    return launch(this, options);
  }
}

// Components (issue 23): the Blocks components, their options and the contexts file components need.
export { BaseComponent, type BaseOptions } from "./components/base.ts";
export { Button, type ButtonOptions } from "./components/button.ts";
export { Checkbox } from "./components/checkbox.ts";
export { CheckboxGroup, type CheckboxGroupOptions } from "./components/checkbox-group.ts";
export type { Choice, ChoiceValue } from "./components/choices.ts";
export { Dataframe, type DataframeData, type DataframeOptions, type DataframeValue, type Datatype } from "./components/dataframe.ts";
export { Dropdown, type DropdownOptions } from "./components/dropdown.ts";
export { File, type FileOptions } from "./components/file.ts";
export type { PathContext, PostprocessContext } from "./components/file-context.ts";
export type { FileData } from "./components/file-data.ts";
export { HTML, type HTMLOptions } from "./components/html.ts";
export type { ImageOutput } from "./components/image.ts";
// `JSON` and `Number` let `import * as gr` read as Python (`gr.JSON`, `gr.Number`); import them by these names only
// through such a namespace, since a bare `import { JSON }` would hide the global JSON in that module.
export { JSONComponent, JSONComponent as JSON, type JSONOptions } from "./components/json.ts";
export { Markdown, type MarkdownOptions } from "./components/markdown.ts";
export { NumberInput as Number, type NumberOptions } from "./components/number.ts";
export { Radio, type RadioOptions } from "./components/radio.ts";
export { Slider, type SliderOptions } from "./components/slider.ts";
export { State } from "./components/state.ts";
export type { TextboxOptions } from "./components/textbox.ts";

/**
 * A chat app around one function, as gradio's `gr.ChatInterface` (`./chat-interface.ts`), with
 * `launch()`: its endpoint is `/chat`, as Gradio names it.
 *
 * @example
 * await new ChatInterface({ fn: (message: string) => `You said: ${message}` }).launch();
 */
export class ChatInterface extends ChatDefinition {
  /**
   * Serves the chat (web UI and API) on `PORT` (default 7860); see {@link launch}.
   *
   * @example
   * await new ChatInterface({ fn: (m: string) => m }).launch({ port: 0 });
   */
  launch(options?: LaunchOptions): Promise<Server> {
    return launch(this, options);
  }
}
export type { ChatInterfaceOptions } from "./chat-interface.ts";

// Streaming, chat and media (issue 24).
export {
  Chatbot,
  type ChatbotOptions,
  type ChatMessage,
  type ContentPart,
  type MessageInput,
  type ExampleMessage,
} from "./components/chatbot.ts";
export { Gallery, type GalleryOptions, type GalleryImage, type GalleryItem } from "./components/gallery.ts";
export { Audio, type AudioOptions, type AudioOutput } from "./components/audio.ts";
export { Video, type VideoOptions, type VideoData } from "./components/video.ts";
export {
  MultimodalTextbox,
  type MultimodalTextboxOptions,
  type MultimodalValue,
  type MultimodalInput,
} from "./components/multimodal-textbox.ts";
export { encodeWav, joinWav, parseWav, type Samples, type Wav, type WavFormat, writeWav } from "./components/wav.ts";
