// Slack mrkdwn -> DOM nodes. Every piece of text becomes a text node: nothing the app or a person wrote is ever
// parsed as HTML. Understood: *bold*, _italic_, ~strike~, `code`, ```blocks```, > quotes, <url|text> links,
// <@U…> people, <#C…|name> channels, <!subteam^S…> groups, <!here>, <!date^…|fallback>, :emoji: codes from a small
// table (an unknown code stays as typed), and the &amp; &lt; &gt; escapes Slack uses.

export const EMOJI = {
  "+1": "👍", thumbsup: "👍", "-1": "👎", thumbsdown: "👎", white_check_mark: "✅", heavy_check_mark: "✔️",
  ballot_box_with_check: "☑️", x: "❌", heavy_multiplication_x: "✖️", no_entry: "⛔", no_entry_sign: "🚫",
  warning: "⚠️", rotating_light: "🚨", hourglass: "⌛", hourglass_flowing_sand: "⏳", eyes: "👀", tada: "🎉",
  rocket: "🚀", fire: "🔥", bug: "🐛", beetle: "🐞", lady_beetle: "🐞", memo: "📝", pencil: "📝", pencil2: "✏️",
  link: "🔗", lock: "🔒", unlock: "🔓", key: "🔑", bell: "🔔", calendar: "📅", date: "📅", clipboard: "📋",
  bulb: "💡", question: "❓", grey_question: "❔", exclamation: "❗", heavy_exclamation_mark: "❗",
  information_source: "ℹ️", arrows_counterclockwise: "🔄", repeat: "🔁", moneybag: "💰", money_with_wings: "💸",
  dollar: "💵", chart_with_upwards_trend: "📈", chart_with_downwards_trend: "📉", bar_chart: "📊",
  construction: "🚧", speech_balloon: "💬", thought_balloon: "💭", point_right: "👉", point_left: "👈",
  point_up: "☝️", point_down: "👇", sparkles: "✨", star: "⭐", "100": "💯", ok_hand: "👌", muscle: "💪",
  clap: "👏", raised_hands: "🙌", pray: "🙏", wave: "👋", handshake: "🤝", heart: "❤️", broken_heart: "💔",
  smile: "😄", smiley: "😃", grinning: "😀", slightly_smiling_face: "🙂", wink: "😉", joy: "😂", sweat_smile: "😅",
  thinking_face: "🤔", neutral_face: "😐", confused: "😕", disappointed: "😞", cry: "😢", scream: "😱",
  mag: "🔍", gear: "⚙️", wrench: "🔧", hammer: "🔨", hammer_and_wrench: "🛠️", zap: "⚡", inbox_tray: "📥",
  outbox_tray: "📤", envelope: "✉️", email: "📧", package: "📦", robot_face: "🤖", bust_in_silhouette: "👤",
  busts_in_silhouette: "👥", office: "🏢", house: "🏠", globe_with_meridians: "🌐", computer: "💻", phone: "📞",
  telephone_receiver: "📞", stopwatch: "⏱️", alarm_clock: "⏰", large_green_circle: "🟢", large_yellow_circle: "🟡",
  red_circle: "🔴", large_blue_circle: "🔵", white_circle: "⚪", black_circle: "⚫", arrow_right: "➡️",
  arrow_left: "⬅️", arrow_up: "⬆️", arrow_down: "⬇️", leftwards_arrow_with_hook: "↩️", checkered_flag: "🏁",
  triangular_flag_on_post: "🚩", pushpin: "📌", round_pushpin: "📍", paperclip: "📎", scissors: "✂️",
  wastebasket: "🗑️", file_folder: "📁", open_file_folder: "📂", page_facing_up: "📄", ticket: "🎫",
  receipt: "🧾", credit_card: "💳", shopping_trolley: "🛒", sos: "🆘", new: "🆕", up: "🆙", cool: "🆒",
  free: "🆓", ok: "🆗", pushpin_red: "📌", coffee: "☕", trophy: "🏆", medal: "🏅", crown: "👑",
  small_orange_diamond: "🔸", small_blue_diamond: "🔹", large_orange_diamond: "🔶", large_blue_diamond: "🔷",
  small_red_triangle: "🔺", small_red_triangle_down: "🔻", white_small_square: "▫️", black_small_square: "▪️",
};

const SKIN_TONE = /::skin-tone-[2-6]$/;
const FIRST_PRIVATE = 0xe000; // protected tokens stand in the text as private-use characters, one each
const ENTITY = /&(amp|lt|gt|quot|#39);/g;
const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" };
const SAFE_SCHEMES = /^(https?:|mailto:)/i;

export function decodeEntities(text) {
  return String(text).replace(ENTITY, (_, name) => ENTITIES[name]);
}

export function emojiFor(name) {
  return EMOJI[String(name).replace(SKIN_TONE, "")] || null;
}

// Replace the :codes: we know in plain text; unknown codes are left as typed.
export function withEmoji(text) {
  return String(text).replace(/:([a-z0-9_+'-]+(?:::skin-tone-[2-6])?):/g, (code, name) => emojiFor(name) || code);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ctx: { userName(id), channelName(id), groupHandle(id), me, onLink(anchor, url, event) }
export function mentionNode(kind, id, label, ctx) {
  const node = el("span", `mention mention-${kind}`);
  if (kind === "user") {
    node.textContent = "@" + (ctx.userName ? ctx.userName(id) : label || id);
    if (ctx.me && id === ctx.me) node.classList.add("mention-me");
    node.dataset.user = id;
  } else if (kind === "channel") {
    node.textContent = "#" + (label || (ctx.channelName ? ctx.channelName(id) : id));
  } else if (kind === "group") {
    const handle = label ? label.replace(/^@/, "") : ctx.groupHandle ? ctx.groupHandle(id) : id;
    node.textContent = "@" + handle;
  } else {
    node.textContent = "@" + id;
  }
  return node;
}

// A link from Slack markup (entities still escaped).
export function linkNode(url, label, ctx) {
  const target = decodeEntities(url);
  return anchorNode(target, label ? decodeEntities(label) : target, ctx);
}

// A link from plain text (nothing escaped): only web and mail addresses become links.
export function anchorNode(target, text, ctx) {
  if (!SAFE_SCHEMES.test(target)) return document.createTextNode(text);
  const anchor = el("a", "link", text);
  anchor.href = target;
  anchor.target = "_blank";
  anchor.rel = "noopener noreferrer";
  if (ctx.onLink) anchor.addEventListener("click", (event) => ctx.onLink(anchor, target, event));
  return anchor;
}

function angleToken(inner, ctx) {
  const bar = inner.indexOf("|");
  const body = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? inner.slice(bar + 1) : "";
  if (body.startsWith("@")) return mentionNode("user", body.slice(1), label, ctx);
  if (body.startsWith("#")) return mentionNode("channel", body.slice(1), decodeEntities(label), ctx);
  if (body.startsWith("!subteam^")) return mentionNode("group", body.slice(9), decodeEntities(label), ctx);
  if (body.startsWith("!date^")) {
    return document.createTextNode(decodeEntities(label || body.split("^")[1] || ""));
  }
  if (body.startsWith("!")) {
    const word = body.slice(1);
    return el("span", "mention mention-broadcast", "@" + (label ? decodeEntities(label).replace(/^@/, "") : word));
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(body)) return linkNode(body, label, ctx);
  return document.createTextNode("<" + decodeEntities(inner) + ">");
}

// Inline formatting over text whose code spans and <…> tokens were swapped for private-use characters.
const FORMAT = /(^|[^\w*_~])([*_~])(?=\S)((?:(?!\2)[^\n])*?\S)\2(?![\w*_~])/;
const FORMAT_TAGS = { "*": ["b", "bold"], _: ["i", "italic"], "~": ["s", "strike"] };

function formatted(text, tokens, ctx, out) {
  let rest = text;
  while (rest) {
    const match = FORMAT.exec(rest);
    if (!match) {
      plain(rest, tokens, ctx, out);
      return;
    }
    plain(rest.slice(0, match.index) + match[1], tokens, ctx, out);
    const [tag, name] = FORMAT_TAGS[match[2]];
    const node = el(tag, name);
    formatted(match[3], tokens, ctx, node);
    out.appendChild(node);
    rest = rest.slice(match.index + match[0].length);
  }
}

// Bare web addresses become links, as a Slack client shows them (trailing punctuation stays text).
const BARE_URL = /https?:\/\/[^\s<>"]+/g;

export function linkified(text, ctx, out) {
  let last = 0;
  for (const match of text.matchAll(BARE_URL)) {
    const url = match[0].replace(/[.,;:!?)\]]+$/, "");
    out.appendChild(document.createTextNode(withEmoji(text.slice(last, match.index))));
    out.appendChild(anchorNode(url, url, ctx));
    last = match.index + url.length;
  }
  out.appendChild(document.createTextNode(withEmoji(text.slice(last))));
}

function plain(text, tokens, ctx, out) {
  let buffer = "";
  const flush = () => {
    if (buffer) linkified(decodeEntities(buffer), ctx, out);
    buffer = "";
  };
  for (const char of text) {
    const index = char.charCodeAt(0) - FIRST_PRIVATE;
    if (index >= 0 && index < tokens.length) {
      flush();
      const token = tokens[index];
      out.appendChild(token.code !== undefined ? el("code", "code", decodeEntities(token.code)) : angleToken(token.angle, ctx));
    } else {
      buffer += char;
    }
  }
  flush();
}

function inline(text, ctx, out) {
  const tokens = [];
  const guarded = text.replace(/`([^`\n]+)`|<([^<>\n]+)>/g, (whole, code, angle) => {
    if (tokens.length > 6000) return whole;
    tokens.push(code !== undefined ? { code } : { angle });
    return String.fromCharCode(FIRST_PRIVATE + tokens.length - 1);
  });
  formatted(guarded, tokens, ctx, out);
}

const QUOTE = /^(&gt;|>)\s?/;

// Render mrkdwn into a fragment (the caller's container sets white-space: pre-wrap for line breaks).
export function renderMrkdwn(text, ctx = {}) {
  const out = document.createDocumentFragment();
  const source = String(text ?? "");
  const fence = /```([\s\S]*?)```/g;
  let last = 0;
  for (let m = fence.exec(source); m; m = fence.exec(source)) {
    // A code block is a block of its own: the line breaks around its fences are not lines of text.
    renderLines(source.slice(last, m.index).replace(/\n$/, ""), ctx, out);
    out.appendChild(el("pre", "code-block", decodeEntities(m[1].replace(/^\n/, "").replace(/\n$/, ""))));
    last = m.index + m[0].length;
    if (source[last] === "\n") last += 1;
  }
  renderLines(source.slice(last), ctx, out);
  return out;
}

function renderLines(text, ctx, out) {
  if (!text) return;
  const lines = text.split("\n");
  let i = 0;
  while (i < lines.length) {
    if (QUOTE.test(lines[i])) {
      const quote = el("blockquote", "quote");
      const quoted = [];
      while (i < lines.length && QUOTE.test(lines[i])) quoted.push(lines[i++].replace(QUOTE, ""));
      inline(quoted.join("\n"), ctx, quote);
      out.appendChild(quote);
    } else {
      const plainLines = [];
      while (i < lines.length && !QUOTE.test(lines[i])) plainLines.push(lines[i++]);
      const chunk = plainLines.join("\n");
      // A quote or code block ends its own line; the newline that followed it is not an empty line of its own.
      if (chunk || plainLines.length > 1) inline(chunk, ctx, out);
    }
  }
}

// A text object ({type: "plain_text" | "mrkdwn", text, emoji?}) as nodes.
export function renderText(object, ctx = {}) {
  if (!object) return document.createDocumentFragment();
  if (object.type === "mrkdwn") return renderMrkdwn(object.text, ctx);
  const text = object.emoji === false ? String(object.text ?? "") : withEmoji(object.text ?? "");
  return document.createTextNode(text);
}

// Plain words of a text object (for labels, options, titles).
export function plainText(object) {
  if (!object) return "";
  return object.emoji === false ? String(object.text ?? "") : withEmoji(object.text ?? "");
}
