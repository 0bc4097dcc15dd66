/**
 * Dropdown (gradio js/dropdown). One value from a fixed list: a native `<select>`. With
 * `allow_custom_value`: a text box with the choices as suggestions (a native combobox). With
 * `multiselect`: the chosen values as removable chips, and that combobox to add one (Enter or
 * pick a suggestion); `max_choices` caps them. All keyboard-usable without custom key handling.
 */
import type { ComponentConfig } from "../../src/gradio/protocol.ts";
import { h } from "../dom.ts";
import { block, choicesOf, fieldId, labelText, numberProp, type Widget, type WidgetContext } from "./widget.ts";

export function dropdown(c: ComponentConfig, ctx: WidgetContext): Widget {
  const p = c.props;
  const multiple = p.multiselect === true;
  const custom = p.allow_custom_value === true;
  const id = fieldId(c);
  let choices = choicesOf(p.choices);
  const displayOf = (v: unknown) => choices.find(([, value]) => value === v)?.[0] ?? String(v);
  const choiceValue = (text: string): unknown => {
    const hit = choices.find(([display]) => display === text) ?? choices.find(([, value]) => String(value) === text);
    return hit ? hit[1] : custom ? text : undefined;
  };

  if (!multiple && !custom) {
    const select = h("select", { id });
    const { element, setLabel } = block(c, "dropdown", [select], { labelFor: id });
    let value: unknown = p.value ?? null;
    const render = () => {
      const known = choices.some(([, v]) => v === value);
      select.replaceChildren(
        ...(known ? [] : [h("option", { value: "" }, "")]),
        ...choices.map(([display], i) => h("option", { value: String(i) }, display)),
      );
      select.value = known ? String(choices.findIndex(([, v]) => v === value)) : "";
    };
    render();
    select.addEventListener("change", () => {
      const i = Number(select.value);
      value = select.value === "" ? null : choices[i]?.[1];
      ctx.edited();
      ctx.emit("select", { index: i, value, selected: true });
    });
    const setInteractive = (on: boolean) => {
      select.disabled = !on;
    };
    setInteractive(ctx.interactive);
    return {
      element,
      read: () => value,
      peek: () => value,
      set(v) {
        value = v ?? null;
        render();
      },
      setInteractive,
      setLabel,
      update(u) {
        if (u.choices !== undefined) {
          choices = choicesOf(u.choices);
          render();
        }
      },
    };
  }

  const list = h("datalist", { id: fieldId(c, "-choices") });
  const field = h("input", { id, type: "text", list: list.id, autocomplete: "off", placeholder: multiple ? "Add…" : undefined });
  const chips = h("ul", { class: "chips", "aria-label": `${labelText(c)}: selected` });
  const renderList = () => list.replaceChildren(...choices.map(([display]) => h("option", { value: display })));
  renderList();
  const { element, setLabel } = block(c, "dropdown", [multiple ? chips : null, field, list], { labelFor: id });
  let values: unknown[] = multiple ? (Array.isArray(p.value) ? [...p.value] : []) : [];
  let interactive = ctx.interactive;
  const maxChoices = numberProp(p.max_choices, null);

  const renderChips = () =>
    chips.replaceChildren(
      ...values.map((v, i) =>
        h(
          "li",
          { class: "chip" },
          displayOf(v),
          interactive
            ? h(
                "button",
                {
                  type: "button",
                  class: "icon",
                  "aria-label": `Remove ${displayOf(v)}`,
                  onclick: () => {
                    values.splice(i, 1);
                    renderChips();
                    ctx.edited();
                    field.focus();
                  },
                },
                "×",
              )
            : null,
        ),
      ),
    );
  const add = (text: string) => {
    const v = choiceValue(text);
    if (v === undefined || values.includes(v) || (maxChoices !== null && values.length >= maxChoices)) return false;
    values.push(v);
    field.value = "";
    renderChips();
    ctx.edited();
    ctx.emit("select", { index: choices.findIndex(([, c]) => c === v), value: v, selected: true });
    return true;
  };

  if (multiple) {
    renderChips();
    // A suggestion picked from the list arrives as one input event with the whole text.
    field.addEventListener("input", (e) => {
      if ((e as InputEvent).inputType !== "insertReplacementText" && (e as InputEvent).inputType !== undefined) return;
      if (choices.some(([display]) => display === field.value)) add(field.value);
    });
    field.addEventListener("keydown", (e) => {
      const key = (e as KeyboardEvent).key;
      if (key === "Enter" && field.value) {
        e.preventDefault();
        add(field.value);
      } else if (key === "Backspace" && !field.value && values.length && interactive) {
        values.pop();
        renderChips();
        ctx.edited();
      }
    });
  } else {
    field.value = p.value === null || p.value === undefined ? "" : displayOf(p.value);
    field.addEventListener("input", () => ctx.edited());
    field.addEventListener("keydown", (e) => {
      if ((e as KeyboardEvent).key === "Enter") ctx.emit("submit");
    });
  }
  const read = () => (multiple ? [...values] : field.value === "" ? null : (choiceValue(field.value) ?? field.value));
  const setInteractive = (on: boolean) => {
    interactive = on;
    field.readOnly = !on;
    if (multiple) renderChips();
  };
  setInteractive(interactive);
  return {
    element,
    read,
    peek: read,
    set(v) {
      if (multiple) {
        values = Array.isArray(v) ? [...v] : v === null || v === undefined ? [] : [v];
        renderChips();
      } else field.value = v === null || v === undefined ? "" : displayOf(v);
    },
    setInteractive,
    setLabel,
    update(u) {
      if (u.choices !== undefined) {
        choices = choicesOf(u.choices);
        renderList();
        if (multiple) renderChips();
      }
    },
  };
}
