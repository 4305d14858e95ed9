// Block Kit -> DOM, for messages and modals. Every block and element Slack defines either renders or shows a
// visible "[unsupported …]" box: nothing is dropped silently. All text goes through text nodes (see mrkdwn.js).
//
// ctx = {
//   text: the mrkdwn context (userName, channelName, groupHandle, me, onLink),
//   people: [{id, real_name}], channels: [{id, name}]     (options of user and conversation pickers),
//   act(action) -> Promise      called for a click or a pick that Slack sends to the app; action =
//                               {kind: "click" | "select", block_id, action_id, value, element}; a rejection's
//                               message is shown under the block,
//   inputs: []                  (modals) every input element registers {block_id, action_id, read()} here,
//   errors: {block_id: text}    (modals) errors the app returned for fields,
//   openUrl(url) -> bool        optional: open a button's url in the page; false lets the browser open it,
// }

import { anchorNode, emojiFor, linkified, mentionNode, plainText, renderText } from "./mrkdwn.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function unsupported(kind, type) {
  const node = el(kind === "block" ? "div" : "span", "bk-unsupported", `[unsupported ${kind}: ${type}]`);
  node.title = "The sandbox page cannot show this part of the message yet; Slack would.";
  return node;
}

function textBox(object, ctx, className) {
  const node = el("div", className + (object && object.type === "mrkdwn" ? " mrkdwn" : ""));
  node.appendChild(renderText(object, ctx.text));
  return node;
}

// ------------------------------------------------------------------ blocks

const BLOCKS = {
  section(block, ctx) {
    const node = el("div", "bk-section");
    const main = el("div", "bk-section-main");
    if (block.text) main.appendChild(textBox(block.text, ctx, "bk-text"));
    if (Array.isArray(block.fields) && block.fields.length) {
      const grid = el("div", "bk-fields");
      for (const field of block.fields) grid.appendChild(textBox(field, ctx, "bk-field"));
      main.appendChild(grid);
    }
    node.appendChild(main);
    if (block.accessory) {
      const accessory = el("div", "bk-accessory");
      accessory.appendChild(element(block.accessory, block, ctx));
      node.appendChild(accessory);
    }
    return node;
  },
  header(block) {
    return el("div", "bk-header", plainText(block.text));
  },
  divider() {
    return el("hr", "bk-divider");
  },
  context(block, ctx) {
    const node = el("div", "bk-context");
    for (const item of block.elements || []) {
      if (item.type === "image") node.appendChild(image(item, "bk-context-image"));
      else if (item.type === "mrkdwn" || item.type === "plain_text") node.appendChild(textBox(item, ctx, "bk-context-text"));
      else node.appendChild(unsupported("element", item.type));
    }
    return node;
  },
  actions(block, ctx) {
    const node = el("div", "bk-actions");
    for (const item of block.elements || []) node.appendChild(element(item, block, ctx));
    return node;
  },
  input(block, ctx) {
    const node = el("div", "bk-input");
    const label = el("label", "bk-label", plainText(block.label));
    if (block.optional) label.appendChild(el("span", "bk-optional", " (optional)"));
    node.appendChild(label);
    const control = element(block.element || {}, block, ctx, { inInput: true });
    node.appendChild(control);
    const fields = "input, select, textarea, button";
    const focusable = control.matches(fields) ? control : control.querySelector(fields);
    if (focusable) {
      focusable.id = `bk-${block.block_id}-${block.element.action_id}`;
      label.htmlFor = focusable.id;
    }
    if (block.hint) node.appendChild(el("div", "bk-hint", plainText(block.hint)));
    const error = ctx.errors && ctx.errors[block.block_id];
    if (error) {
      const line = el("div", "bk-field-error", error);
      line.setAttribute("role", "alert");
      node.classList.add("has-error");
      node.appendChild(line);
    }
    return node;
  },
  image(block) {
    const figure = el("figure", "bk-image");
    if (block.title) figure.appendChild(el("figcaption", "bk-image-title", plainText(block.title)));
    figure.appendChild(image(block, "bk-image-img"));
    return figure;
  },
  rich_text(block, ctx) {
    const node = el("div", "bk-rich-text");
    for (const part of block.elements || []) node.appendChild(richBlock(part, ctx));
    return node;
  },
};

export function renderBlock(block, ctx) {
  const type = block && block.type;
  const render = Object.hasOwn(BLOCKS, type) ? BLOCKS[type] : null;
  const node = render ? render(block, ctx) : unsupported("block", type);
  const wrapper = el("div", "bk-block");
  wrapper.dataset.blockType = String(type);
  if (block && block.block_id) wrapper.dataset.blockId = block.block_id;
  wrapper.appendChild(node);
  return wrapper;
}

export function renderBlocks(blocks, ctx) {
  const root = el("div", "bk-blocks");
  for (const block of blocks || []) root.appendChild(renderBlock(block, ctx));
  return root;
}

function image(object, className) {
  const img = el("img", className);
  img.alt = object.alt_text || "";
  img.loading = "lazy";
  if (object.image_url && /^https?:/i.test(object.image_url)) {
    img.src = object.image_url;
    img.addEventListener("error", () => img.replaceWith(el("span", "bk-image-missing", `🖼 ${object.alt_text || "image"}`)));
    return img;
  }
  return el("span", "bk-image-missing", `🖼 ${object.alt_text || "image"}`);
}

// ------------------------------------------------------------------ rich text (what people's messages carry)

function richBlock(part, ctx) {
  switch (part.type) {
    case "rich_text_section": {
      const node = el("div", "rt-section");
      for (const item of part.elements || []) node.appendChild(richInline(item, ctx));
      return node;
    }
    case "rich_text_list": {
      const list = el(part.style === "ordered" ? "ol" : "ul", `rt-list rt-indent-${Math.min(part.indent || 0, 4)}`);
      if (part.offset) list.start = part.offset + 1;
      for (const item of part.elements || []) {
        const li = el("li");
        li.appendChild(richBlock(item, ctx));
        list.appendChild(li);
      }
      return list;
    }
    case "rich_text_quote": {
      const quote = el("blockquote", "quote");
      for (const item of part.elements || []) quote.appendChild(richInline(item, ctx));
      return quote;
    }
    case "rich_text_preformatted": {
      const pre = el("pre", "code-block");
      for (const item of part.elements || []) pre.appendChild(richInline(item, ctx));
      return pre;
    }
    default:
      return unsupported("element", part.type);
  }
}

function wrapped(fragment) {
  const span = el("span");
  span.appendChild(fragment);
  return span;
}

function styled(node, style) {
  if (!style) return node;
  let out = node;
  for (const [flag, tag] of [["code", "code"], ["strike", "s"], ["italic", "i"], ["bold", "b"]]) {
    if (style[flag]) {
      const wrap = el(tag, flag === "code" ? "code" : flag);
      wrap.appendChild(out);
      out = wrap;
    }
  }
  return out;
}

function richInline(item, ctx) {
  switch (item.type) {
    case "text": {
      if (item.style && item.style.code) return styled(document.createTextNode(item.text || ""), item.style);
      const words = document.createDocumentFragment(); // a typed address is a link, as Slack shows it
      linkified(item.text || "", ctx.text, words);
      return styled(wrapped(words), item.style);
    }
    case "link":
      return styled(anchorNode(item.url || "", item.text || item.url || "", ctx.text), item.style);
    case "emoji": {
      const shown = item.unicode
        ? String.fromCodePoint(...item.unicode.split("-").map((hex) => parseInt(hex, 16)))
        : emojiFor(item.name) || `:${item.name}:`;
      return el("span", "emoji", shown);
    }
    case "user":
      return styled(mentionNode("user", item.user_id, "", ctx.text), item.style);
    case "channel":
      return styled(mentionNode("channel", item.channel_id, "", ctx.text), item.style);
    case "usergroup":
      return styled(mentionNode("group", item.usergroup_id, "", ctx.text), item.style);
    case "broadcast":
      return el("span", "mention mention-broadcast", "@" + item.range);
    case "date":
      return document.createTextNode(item.fallback || new Date(item.timestamp * 1000).toLocaleString());
    case "color": {
      const node = el("span", "rt-color", item.value);
      const swatch = el("span", "rt-swatch");
      swatch.style.background = /^#[0-9a-f]{3,8}$/i.test(item.value) ? item.value : "transparent";
      node.prepend(swatch);
      return node;
    }
    default:
      return unsupported("element", item.type);
  }
}

// ------------------------------------------------------------------ elements

// A button or menu option with a url opens it (the page may show its own links itself: ctx.openUrl).
function openUrl(url, ctx) {
  if (ctx.openUrl && ctx.openUrl(url)) return;
  if (/^https?:/i.test(url)) window.open(url, "_blank", "noopener,noreferrer");
}

// Run an action: disable the control while the app is asked, show what went wrong under the block.
async function fire(control, ctx, action) {
  const block = control.closest(".bk-block");
  const old = block && block.querySelector(":scope > .bk-action-error");
  if (old) old.remove();
  control.classList.add("busy");
  control.setAttribute("aria-busy", "true");
  if ("disabled" in control) control.disabled = true;
  try {
    await ctx.act(action);
  } catch (error) {
    const line = el("div", "bk-action-error", error.message || String(error));
    line.setAttribute("role", "alert");
    (block || control.parentElement).appendChild(line);
  } finally {
    control.classList.remove("busy");
    control.removeAttribute("aria-busy");
    if ("disabled" in control) control.disabled = false;
  }
}

function optionsOf(e) {
  if (Array.isArray(e.option_groups)) return e.option_groups.flatMap((g) => g.options || []);
  return e.options || [];
}

function selectedValues(options) {
  return (options || []).map((o) => o.value);
}

// A native control and how to read it; picks outside input blocks (or with dispatch_action) go to the app.
function picker(e, block, ctx, opts, control, read) {
  control.dataset.actionId = e.action_id || "";
  control.classList.add("bk-control");
  if (opts.inInput) {
    ctx.inputs && ctx.inputs.push({ block_id: block.block_id, action_id: e.action_id, read });
    if (!block.dispatch_action) return control;
  }
  control.addEventListener("change", async () => {
    const value = read();
    if (value === null) return;
    if (e.confirm && !(await confirmDialog(e.confirm, ctx))) return;
    await fire(control, ctx, { kind: "select", block_id: block.block_id, action_id: e.action_id, value, element: e });
  });
  return control;
}

function nativeSelect(e, choices, { multiple = false, initial = [] } = {}) {
  const select = el("select", "bk-select");
  select.multiple = multiple;
  if (!multiple) {
    const prompt = el("option", "", e.placeholder ? plainText(e.placeholder) : "Select an item");
    prompt.value = "";
    prompt.disabled = true;
    prompt.selected = initial.length === 0;
    select.appendChild(prompt);
  }
  const add = (parent, choice) => {
    const option = el("option", "", choice.label);
    option.value = choice.value;
    option.selected = initial.includes(choice.value);
    parent.appendChild(option);
  };
  for (const choice of choices) {
    if (choice.group) {
      const group = el("optgroup");
      group.label = choice.group;
      for (const inner of choice.options) add(group, inner);
      select.appendChild(group);
    } else {
      add(select, choice);
    }
  }
  if (multiple) select.size = Math.min(Math.max(choices.length, 2), 5);
  return select;
}

function optionChoices(e) {
  const toChoice = (o) => ({ label: plainText(o.text), value: o.value, description: plainText(o.description) });
  if (Array.isArray(e.option_groups)) {
    return e.option_groups.map((g) => ({ group: plainText(g.label), options: (g.options || []).map(toChoice) }));
  }
  return (e.options || []).map(toChoice);
}

// A static select as Slack draws it: a field that opens a menu of its own, where each option shows its text and,
// under it, its description in smaller, muted text (a native <select> can show neither). The field is a button
// (what a label in an input block points at); the menu is a listbox of options, with groups under their labels.
// A pick dispatches "change" on the returned node, like a native control; a multi-select's menu stays open.
let menuCounter = 0;

function menuSelect(e, choices, { multiple = false, initial = [] } = {}) {
  const wrap = el("div", "bk-menu-select" + (multiple ? " bk-multi" : ""));
  const chosen = new Set(initial);
  const trigger = el("button", "bk-select bk-select-trigger");
  trigger.type = "button";
  trigger.setAttribute("aria-haspopup", "listbox");
  trigger.setAttribute("aria-expanded", "false");
  const shown = el("span", "bk-select-value");
  const caret = el("span", "bk-select-caret", "▾");
  caret.setAttribute("aria-hidden", "true");
  trigger.append(shown, caret);
  const list = el("div", "bk-listbox");
  list.id = `bk-listbox-${++menuCounter}`;
  list.setAttribute("role", "listbox");
  if (multiple) list.setAttribute("aria-multiselectable", "true");
  list.hidden = true;
  trigger.setAttribute("aria-controls", list.id);

  const labels = new Map(); // value -> the option's text, for the field
  const items = [];
  const addOption = (parent, choice) => {
    const item = el("div", "bk-option");
    item.setAttribute("role", "option");
    item.tabIndex = -1;
    item.dataset.value = choice.value;
    item.appendChild(el("span", "bk-option-text", choice.label));
    if (choice.description) item.appendChild(el("span", "bk-option-description", choice.description));
    item.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus where it is
    item.addEventListener("click", () => pick(choice.value));
    labels.set(choice.value, choice.label);
    items.push(item);
    parent.appendChild(item);
  };
  for (const choice of choices) {
    if (choice.group) {
      const group = el("div", "bk-option-group");
      group.setAttribute("role", "group");
      const label = el("div", "bk-option-group-label", choice.group);
      label.id = `${list.id}-group-${items.length}`;
      group.setAttribute("aria-labelledby", label.id);
      group.appendChild(label);
      for (const inner of choice.options) addOption(group, inner);
      list.appendChild(group);
    } else {
      addOption(list, choice);
    }
  }
  if (!items.length) list.appendChild(el("div", "bk-option-empty", "No options"));

  const placeholder = e.placeholder ? plainText(e.placeholder) : multiple ? "Select items" : "Select an item";
  const show = () => {
    shown.replaceChildren();
    const values = [...chosen].filter((value) => labels.has(value));
    shown.classList.toggle("bk-select-placeholder", values.length === 0);
    if (!values.length) shown.textContent = placeholder;
    else if (!multiple) shown.textContent = labels.get(values[0]);
    else for (const value of values) shown.appendChild(el("span", "bk-select-chip", labels.get(value)));
    for (const item of items) item.setAttribute("aria-selected", String(chosen.has(item.dataset.value)));
  };
  const onOutside = (event) => {
    if (!wrap.contains(event.target)) close(false);
  };
  const open = () => {
    if (!list.hidden || trigger.disabled) return;
    list.hidden = false;
    trigger.setAttribute("aria-expanded", "true");
    document.addEventListener("mousedown", onOutside, true);
    list.scrollIntoView({ block: "nearest" });
    const current = items.find((item) => chosen.has(item.dataset.value)) || items[0];
    if (current) current.focus({ preventScroll: true });
  };
  const close = (refocus) => {
    if (list.hidden) return;
    list.hidden = true;
    trigger.setAttribute("aria-expanded", "false");
    document.removeEventListener("mousedown", onOutside, true);
    if (refocus) trigger.focus();
  };
  const pick = (value) => {
    if (trigger.disabled) return; // the previous pick is still with the app
    if (multiple) {
      if (chosen.has(value)) chosen.delete(value);
      else chosen.add(value);
    } else {
      close(true);
      if (chosen.has(value)) return; // the same pick again: nothing changes, as with a native select
      chosen.clear();
      chosen.add(value);
    }
    show();
    wrap.dispatchEvent(new Event("change"));
  };

  trigger.addEventListener("click", () => (list.hidden ? open() : close(true)));
  trigger.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      open();
    }
  });
  list.addEventListener("keydown", (event) => {
    const at = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      const next = items[Math.min(Math.max(at + step, 0), items.length - 1)];
      if (next) next.focus();
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      const next = event.key === "Home" ? items[0] : items[items.length - 1];
      if (next) next.focus();
    } else if ((event.key === "Enter" || event.key === " ") && at >= 0) {
      event.preventDefault();
      pick(items[at].dataset.value);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation(); // closes the menu, not the modal around it
      close(true);
    } else if (event.key === "Tab") {
      close(false);
    }
  });

  wrap.append(trigger, list);
  wrap.read = () => [...chosen].filter((value) => labels.has(value));
  // While the app is asked (see fire), the field is disabled like a native control would be.
  Object.defineProperty(wrap, "disabled", {
    get: () => trigger.disabled,
    set: (value) => {
      trigger.disabled = value;
    },
  });
  show();
  return wrap;
}

function readSelect(select, multiple) {
  if (multiple) {
    const values = [...select.selectedOptions].map((o) => o.value);
    return values.length ? values : null;
  }
  return select.value ? select.value : null;
}

const ELEMENTS = {
  button(e, block, ctx) {
    const button = el("button", "bk-button" + (e.style ? ` bk-${e.style}` : ""), plainText(e.text));
    button.type = "button";
    button.dataset.actionId = e.action_id || "";
    button.addEventListener("click", async () => {
      if (e.confirm && !(await confirmDialog(e.confirm, ctx))) return;
      if (e.url) openUrl(e.url, ctx);
      await fire(button, ctx, { kind: "click", block_id: block.block_id, action_id: e.action_id, value: e.value, element: e });
    });
    return button;
  },
  workflow_button(e, block, ctx) {
    return ELEMENTS.button({ ...e, style: e.style }, block, ctx);
  },
  overflow(e, block, ctx) {
    const wrap = el("div", "bk-overflow");
    const toggle = el("button", "bk-button bk-overflow-toggle", "⋯");
    toggle.type = "button";
    toggle.title = "More options";
    toggle.setAttribute("aria-label", "More options");
    toggle.dataset.actionId = e.action_id || "";
    const menu = el("div", "bk-menu");
    menu.hidden = true;
    for (const option of e.options || []) {
      const item = el("button", "bk-menu-item");
      item.type = "button";
      item.appendChild(el("span", "bk-option-text", plainText(option.text)));
      if (option.description) item.appendChild(el("span", "bk-option-description", plainText(option.description)));
      item.addEventListener("click", async () => {
        menu.hidden = true;
        if (e.confirm && !(await confirmDialog(e.confirm, ctx))) return;
        if (option.url) openUrl(option.url, ctx);
        await fire(toggle, ctx, { kind: "select", block_id: block.block_id, action_id: e.action_id, value: option.value, element: e });
      });
      menu.appendChild(item);
    }
    toggle.addEventListener("click", () => {
      menu.hidden = !menu.hidden;
    });
    wrap.append(toggle, menu);
    return wrap;
  },
  static_select(e, block, ctx, opts) {
    const initial = e.initial_option ? [e.initial_option.value] : [];
    const select = menuSelect(e, optionChoices(e), { initial });
    return picker(e, block, ctx, opts, select, () => select.read()[0] ?? null);
  },
  multi_static_select(e, block, ctx, opts) {
    const select = menuSelect(e, optionChoices(e), { multiple: true, initial: selectedValues(e.initial_options) });
    return picker(e, block, ctx, opts, select, () => {
      const values = select.read();
      return values.length ? values : null;
    });
  },
  users_select(e, block, ctx, opts) {
    const people = (ctx.people || []).map((p) => ({ label: p.real_name, value: p.id }));
    const select = nativeSelect(e, people, { initial: e.initial_user ? [e.initial_user] : [] });
    return picker(e, block, ctx, opts, select, () => readSelect(select, false));
  },
  multi_users_select(e, block, ctx, opts) {
    const people = (ctx.people || []).map((p) => ({ label: p.real_name, value: p.id }));
    const select = nativeSelect(e, people, { multiple: true, initial: e.initial_users || [] });
    return picker(e, block, ctx, opts, select, () => readSelect(select, true));
  },
  conversations_select(e, block, ctx, opts) {
    return channelPicker(e, block, ctx, opts, e.initial_conversation, false);
  },
  channels_select(e, block, ctx, opts) {
    return channelPicker(e, block, ctx, opts, e.initial_channel, false);
  },
  multi_conversations_select(e, block, ctx, opts) {
    return channelPicker(e, block, ctx, opts, e.initial_conversations, true);
  },
  multi_channels_select(e, block, ctx, opts) {
    return channelPicker(e, block, ctx, opts, e.initial_channels, true);
  },
  datepicker(e, block, ctx, opts) {
    const input = el("input", "bk-date");
    input.type = "date";
    if (e.initial_date) input.value = e.initial_date;
    return picker(e, block, ctx, opts, input, () => input.value || null);
  },
  timepicker(e, block, ctx, opts) {
    const input = el("input", "bk-time");
    input.type = "time";
    if (e.initial_time) input.value = e.initial_time;
    return picker(e, block, ctx, opts, input, () => input.value || null);
  },
  datetimepicker(e, block, ctx, opts) {
    const input = el("input", "bk-datetime");
    input.type = "datetime-local";
    if (e.initial_date_time) {
      const at = new Date(e.initial_date_time * 1000);
      input.value = new Date(at.getTime() - at.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    }
    return picker(e, block, ctx, opts, input, () => (input.value ? Math.floor(new Date(input.value).getTime() / 1000) : null));
  },
  checkboxes(e, block, ctx, opts) {
    return choiceList(e, block, ctx, opts, "checkbox");
  },
  radio_buttons(e, block, ctx, opts) {
    return choiceList(e, block, ctx, opts, "radio");
  },
  plain_text_input(e, block, ctx, opts) {
    const input = e.multiline ? el("textarea", "bk-textarea") : el("input", "bk-text-input");
    if (!e.multiline) input.type = "text";
    return textInput(e, block, ctx, opts, input);
  },
  email_text_input(e, block, ctx, opts) {
    const input = el("input", "bk-text-input");
    input.type = "email";
    return textInput(e, block, ctx, opts, input);
  },
  url_text_input(e, block, ctx, opts) {
    const input = el("input", "bk-text-input");
    input.type = "url";
    return textInput(e, block, ctx, opts, input);
  },
  number_input(e, block, ctx, opts) {
    const input = el("input", "bk-text-input");
    input.type = "number";
    input.step = e.is_decimal_allowed ? "any" : "1";
    if (e.min_value !== undefined) input.min = e.min_value;
    if (e.max_value !== undefined) input.max = e.max_value;
    return textInput(e, block, ctx, opts, input);
  },
  image(e) {
    return image(e, "bk-accessory-image");
  },
};

function channelPicker(e, block, ctx, opts, initial, multiple) {
  const channels = (ctx.channels || []).map((c) => ({ label: "#" + c.name, value: c.id }));
  const chosen = initial ? (Array.isArray(initial) ? initial : [initial]) : [];
  const select = nativeSelect(e, channels, { multiple, initial: chosen });
  return picker(e, block, ctx, opts, select, () => readSelect(select, multiple));
}

function textInput(e, block, ctx, opts, input) {
  if (e.placeholder) input.placeholder = plainText(e.placeholder);
  if (e.initial_value !== undefined) input.value = e.initial_value;
  if (e.max_length) input.maxLength = e.max_length;
  if (e.focus_on_load) input.autofocus = true;
  return picker(e, block, ctx, opts, input, () => (input.value === "" ? null : input.value));
}

let choiceCounter = 0;

function choiceList(e, block, ctx, opts, kind) {
  const list = el("div", `bk-choices bk-${kind}es`);
  const name = `bk-choice-${++choiceCounter}`;
  const initial = kind === "checkbox" ? selectedValues(e.initial_options) : e.initial_option ? [e.initial_option.value] : [];
  for (const option of optionsOf(e)) {
    const row = el("label", "bk-choice");
    const box = el("input");
    box.type = kind;
    box.name = name;
    box.value = option.value;
    box.checked = initial.includes(option.value);
    const words = el("span", "bk-choice-text");
    words.appendChild(renderText(option.text, ctx.text));
    if (option.description) {
      const description = el("span", "bk-choice-description"); // checkboxes and radio buttons may use mrkdwn here
      description.appendChild(renderText(option.description, ctx.text));
      words.appendChild(description);
    }
    row.append(box, words);
    list.appendChild(row);
  }
  const read = () => {
    const checked = [...list.querySelectorAll("input:checked")].map((box) => box.value);
    if (kind === "radio") return checked[0] ?? null;
    return checked.length ? checked : null;
  };
  return picker(e, block, ctx, opts, list, read);
}

function element(e, block, ctx, opts = {}) {
  const type = e && e.type;
  const render = Object.hasOwn(ELEMENTS, type) ? ELEMENTS[type] : null;
  return render ? render(e, block, ctx, opts) : unsupported("element", type);
}

// ------------------------------------------------------------------ confirmation dialogs

export function confirmDialog(confirm, ctx = {}) {
  return new Promise((resolve) => {
    const overlay = el("div", "overlay bk-confirm-overlay");
    const box = el("div", "bk-confirm");
    box.setAttribute("role", "alertdialog");
    box.setAttribute("aria-modal", "true");
    box.appendChild(el("h2", "bk-confirm-title", plainText(confirm.title) || "Are you sure?"));
    if (confirm.text) box.appendChild(textBox(confirm.text, ctx, "bk-confirm-text"));
    const buttons = el("div", "bk-confirm-buttons");
    const deny = el("button", "bk-button", plainText(confirm.deny) || "Cancel");
    const accept = el("button", `bk-button ${confirm.style === "danger" ? "bk-danger" : "bk-primary"}`, plainText(confirm.confirm) || "Yes");
    deny.type = accept.type = "button";
    const done = (answer) => {
      overlay.remove();
      document.removeEventListener("keydown", onKey);
      resolve(answer);
    };
    const onKey = (event) => {
      if (event.key === "Escape") done(false);
    };
    deny.addEventListener("click", () => done(false));
    accept.addEventListener("click", () => done(true));
    document.addEventListener("keydown", onKey);
    buttons.append(deny, accept);
    box.appendChild(buttons);
    overlay.appendChild(box);
    document.body.appendChild(overlay);
    accept.focus();
  });
}
