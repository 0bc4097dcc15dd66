/**
 * One widget per Gradio component type (`type` in /config). A type without a widget shows as a
 * notice naming it, so an app using a component the page lacks still loads.
 */
import type { ComponentConfig } from "../../src/gradio/protocol.ts";
import { h } from "../dom.ts";
import { audio } from "./audio.ts";
import { button } from "./button.ts";
import { chatbot } from "./chatbot.ts";
import { checkbox } from "./checkbox.ts";
import { checkboxGroup, radio } from "./choices.ts";
import { dataframe } from "./dataframe.ts";
import { dataset } from "./dataset.ts";
import { dropdown } from "./dropdown.ts";
import { file } from "./file.ts";
import { gallery } from "./gallery.ts";
import { image } from "./image.ts";
import { json } from "./json.ts";
import { label } from "./label.ts";
import { html, markdown } from "./markup.ts";
import { multimodalTextbox } from "./multimodal-textbox.ts";
import { number } from "./number.ts";
import { slider } from "./slider.ts";
import { state } from "./state.ts";
import { textbox } from "./textbox.ts";
import { video } from "./video.ts";
import { block, type Widget, type WidgetContext } from "./widget.ts";

export type { Widget, WidgetContext } from "./widget.ts";
export { isUpdate } from "./widget.ts";

const WIDGETS: Record<string, (c: ComponentConfig, ctx: WidgetContext) => Widget> = {
  button,
  markdown,
  html,
  textbox,
  multimodaltextbox: multimodalTextbox,
  number,
  slider,
  checkbox,
  checkboxgroup: checkboxGroup,
  radio,
  dropdown,
  json,
  dataframe,
  file,
  image,
  label,
  state,
  dataset,
  chatbot,
  gallery,
  audio,
  video,
};

/** True when the page has a widget for `type`. */
export const hasWidget = (type: string) => type in WIDGETS;

/**
 * The widget for a component.
 *
 * @example
 * const w = createWidget({ id: 3, type: "textbox", props: { label: "Name" }, … }, ctx);
 * column.append(w.element!); w.set("Ada");
 */
export function createWidget(c: ComponentConfig, ctx: WidgetContext): Widget {
  const make = WIDGETS[c.type];
  if (make) return make(c, ctx);
  const { element } = block(c, "unsupported", [h("p", { class: "placeholder" }, `This page cannot show a “${c.type}” component yet.`)]);
  return { element, read: () => c.props.value ?? null, peek: () => c.props.value ?? null, set: () => {} };
}
