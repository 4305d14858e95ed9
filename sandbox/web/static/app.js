// The sandbox page: Slack as one of the seed's people sees it, with Jira and Salesforce beside it.
//
// Everything the page does goes through /api/ on the sandbox, which acts through the Slack driver: posting sends
// the app real Socket Mode events, a click sends the real block_actions payload, and anything a Slack client would
// not allow is refused there. The page keeps no truth of its own: it re-reads a snapshot whenever a change
// counter moves (long poll on /api/changes) and redraws only the messages whose content changed.

import { renderBlocks, unsupported } from "./blockkit.js";
import { emojiFor, plainText, renderMrkdwn } from "./mrkdwn.js";

const POLL_SECONDS = 25;
const MARK_MS = 20000; // how long a new or changed record stays highlighted
const QUICK_REACTIONS = ["white_check_mark", "eyes", "+1", "tada", "pray", "heart"];

const state = {
  world: null,
  people: new Map(), // id -> person
  me: null, // the person's name ("dana")
  meId: null,
  channel: null,
  thread: null,
  snapshot: null,
  seqs: { slack: -1, jira: -1, salesforce: -1 },
  refreshGen: 0,
  bootTs: null,
  seen: new Map(), // "me:channel" -> newest ts read
  caches: { channel: new Map(), parent: new Map(), replies: new Map() },
  modal: { key: null, node: null, inputs: [] },
  jira: { rows: [], previous: null, marks: new Map(), loaded: false },
  salesforce: { data: null, previous: null, marks: new Map(), loaded: false },
  recordsTab: "jira",
  appTab: "messages", // in the DM with the app: "home" or "messages"
};

// ------------------------------------------------------------------ small helpers

const $ = (selector, root = document) => root.querySelector(selector);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(className, text, onClick, title) {
  const node = el("button", className, text);
  node.type = "button";
  if (title) {
    node.title = title;
    node.setAttribute("aria-label", title);
  }
  node.addEventListener("click", onClick);
  return node;
}

function tsDate(ts) {
  return new Date(parseFloat(ts) * 1000);
}

function clock(ts) {
  return tsDate(ts).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function hue(id) {
  let h = 0;
  for (const char of String(id)) h = (h * 31 + char.charCodeAt(0)) % 360;
  return h;
}

function initials(name) {
  return String(name)
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => word[0].toUpperCase())
    .join("");
}

function avatar(id) {
  const isBot = id === state.world.bot.id;
  const node = el("div", "avatar" + (isBot ? " avatar-bot" : ""), isBot ? "F" : initials(userName(id)));
  if (!isBot) node.style.background = `hsl(${hue(id)} 45% 42%)`;
  node.setAttribute("aria-hidden", "true");
  return node;
}

// ------------------------------------------------------------------ talking to the sandbox

async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      cache: "no-store",
    });
  } catch (error) {
    throw new Error("The sandbox is not answering. Is `make demo` still running?");
  }
  let data = null;
  try {
    data = await response.json();
  } catch (error) {
    data = null;
  }
  if (!response.ok) throw new Error((data && data.error) || `${response.status} ${response.statusText}`);
  return data;
}

// What a Slack client shows when an interaction did not go through.
function interactionProblem(result) {
  if (!result || result.ok || !result.error) return null;
  switch (result.error) {
    case "operation_timeout":
      return "This app took too long to respond.";
    case "dispatch_failed":
      return "This app is not connected right now (dispatch_failed). Is the bot running?";
    case "invalid_response":
      return `This app answered with something Slack refuses (invalid_response): ${result.detail}`;
    default:
      return `${result.error}: ${result.detail}`;
  }
}

async function interact(path, body) {
  const result = await api("POST", path, { as: state.me, ...body });
  const problem = interactionProblem(result);
  if (problem) throw new Error(problem);
  return result;
}

function toast(text, kind = "error") {
  const box = el("div", `toast toast-${kind}`);
  box.setAttribute("role", kind === "error" ? "alert" : "status");
  box.appendChild(el("span", "", text));
  box.appendChild(button("toast-close", "✕", () => box.remove(), "Dismiss"));
  $("#toasts").appendChild(box);
  setTimeout(() => box.remove(), 9000);
}

// ------------------------------------------------------------------ names and text

function userName(id) {
  if (state.world && id === state.world.bot.id) return state.world.bot.real_name;
  const person = state.people.get(id);
  return person ? person.real_name : id;
}

function mentionName(id) {
  if (state.world && id === state.world.bot.id) return state.world.bot.name;
  return userName(id);
}

function channelName(id) {
  const known = state.world.channels.find((c) => c.id === id);
  return known ? known.name : id;
}

function groupHandle(id) {
  const group = state.world.usergroups.find((g) => g.id === id);
  return group ? group.handle : id;
}

function textCtx() {
  return { userName: mentionName, channelName, groupHandle, me: state.meId, onLink: followLink };
}

// Links to the sandbox's own Jira or Slack open in the page instead of a dead tab; true when handled.
function openInPage(url) {
  const browse = state.world.jira_url + "/browse/";
  if (url.startsWith(browse)) {
    showIssue(decodeURIComponent(url.slice(browse.length).split(/[?#]/)[0]));
    return true;
  }
  const archives = state.world.slack_url + "/archives/";
  if (url.startsWith(archives)) {
    const parsed = new URL(url);
    const [, , channel, stamp] = parsed.pathname.split("/");
    const digits = (stamp || "").replace(/^p/, "");
    const ts = digits.length > 6 ? `${digits.slice(0, -6)}.${digits.slice(-6)}` : null;
    openConversation(channel, parsed.searchParams.get("thread_ts") || ts);
    return true;
  }
  return false;
}

function followLink(anchor, url, event) {
  if (openInPage(url)) event.preventDefault();
}

function conversationLabel(conv) {
  if (conv.kind === "channel") return "#" + conv.name;
  const names = conv.others.map((id) => userName(id));
  return names.length ? names.join(", ") : userName(state.meId) + " (you)";
}

// ------------------------------------------------------------------ navigation and state in the URL

function saveLocation() {
  const params = new URLSearchParams();
  if (state.me) params.set("as", state.me);
  if (state.channel) params.set("c", state.channel);
  if (state.thread) params.set("t", state.thread);
  history.replaceState(null, "", "#" + params.toString());
}

function readLocation() {
  const params = new URLSearchParams(location.hash.slice(1));
  return { as: params.get("as"), channel: params.get("c"), thread: params.get("t") };
}

async function switchPerson(name) {
  const person = state.world.people.find((p) => p.name === name) || state.world.people[0];
  state.me = person.name;
  state.meId = person.id;
  $("#me").value = person.name;
  renderIdentity();
  for (const cache of Object.values(state.caches)) cache.clear();
  for (const list of ["#messages", "#thread-parent", "#thread-replies"]) $(list).replaceChildren();
  closeModalOverlay();
  try {
    // Find the person's conversations first: the open channel may be one they are not in.
    const overview = await api("GET", `/api/snapshot?as=${encodeURIComponent(state.me)}`);
    const ids = overview.conversations.map((c) => c.id);
    if (!ids.includes(state.channel)) {
      const fallback = overview.conversations.find((c) => c.name === "support") || overview.conversations[0];
      state.channel = fallback ? fallback.id : null;
      state.thread = null;
    }
    await refreshSlack();
  } catch (error) {
    toast(`Could not switch to ${person.real_name}: ${error.message}`);
  }
}

async function openConversation(channel, thread = null) {
  state.appTab = "messages";
  state.channel = channel;
  state.thread = thread;
  state.caches.channel.clear();
  $("#messages").replaceChildren();
  state.caches.parent.clear();
  state.caches.replies.clear();
  $("#thread-parent").replaceChildren();
  $("#thread-replies").replaceChildren();
  state.scrollToEnd = true;
  await refreshSlack().catch((error) => toast(error.message));
  $("#composer textarea").focus();
}

async function openThread(ts) {
  state.thread = ts;
  state.caches.parent.clear();
  state.caches.replies.clear();
  $("#thread-parent").replaceChildren();
  $("#thread-replies").replaceChildren();
  state.scrollThreadToEnd = true;
  await refreshSlack().catch((error) => toast(error.message));
  $("#thread-composer textarea").focus();
}

function closeThread() {
  state.thread = null;
  renderThread();
  saveLocation();
}

// ------------------------------------------------------------------ live updates

async function refreshSlack() {
  const gen = ++state.refreshGen;
  const params = new URLSearchParams({ as: state.me });
  if (state.channel) params.set("channel", state.channel);
  if (state.thread) params.set("thread", state.thread);
  const snapshot = await api("GET", "/api/snapshot?" + params);
  if (gen !== state.refreshGen) return; // a newer request is on its way
  state.snapshot = snapshot;
  if (state.bootTs === null) {
    state.bootTs = snapshot.conversations.reduce((max, c) => (c.latest && c.latest > max ? c.latest : max), "0");
  }
  renderSlack();
}

async function refreshJira() {
  const data = await api("GET", "/api/jira");
  state.jira.rows = data.issues;
  renderJira();
}

async function refreshSalesforce() {
  state.salesforce.data = await api("GET", "/api/salesforce");
  renderSalesforce();
}

function setLive(ok, detail) {
  const live = $("#live");
  live.className = "live " + (ok ? "live-ok" : "live-down");
  live.textContent = ok ? "● Live" : "● Reconnecting…";
  live.title = ok ? "Updates as the bot posts and edits" : detail || "";
}

async function follow() {
  let failures = 0;
  let lastProblem = null;
  for (;;) {
    try {
      const s = state.seqs;
      const now = await api(
        "GET",
        `/api/changes?slack=${s.slack}&jira=${s.jira}&salesforce=${s.salesforce}&timeout=${POLL_SECONDS}`,
      );
      failures = 0;
      lastProblem = null;
      setLive(true);
      const work = [];
      if (now.slack !== s.slack) {
        s.slack = now.slack;
        work.push(refreshSlack());
      }
      if (now.jira !== s.jira) {
        s.jira = now.jira;
        work.push(refreshJira());
      }
      if (now.salesforce !== s.salesforce) {
        s.salesforce = now.salesforce;
        work.push(refreshSalesforce());
      }
      const outcomes = await Promise.allSettled(work);
      const failed = outcomes.find((o) => o.status === "rejected");
      if (failed) throw failed.reason;
    } catch (error) {
      failures += 1;
      setLive(false, error.message);
      if (error.message !== lastProblem) toast(error.message); // once per problem, not once per retry
      lastProblem = error.message;
      state.seqs = { slack: -1, jira: -1, salesforce: -1 }; // read everything again once it answers
      await new Promise((resolve) => setTimeout(resolve, Math.min(500 * failures, 5000)));
    }
  }
}

// ------------------------------------------------------------------ rendering Slack

function renderSlack() {
  renderSidebar();
  renderHeader();
  renderHome();
  renderChannel();
  renderThread();
  renderModal();
  saveLocation();
}

function renderIdentity() {
  const person = state.people.get(state.meId);
  const box = $("#me-groups");
  box.replaceChildren();
  box.appendChild(el("span", "me-title", person.title));
  for (const handle of person.groups) box.appendChild(el("span", "chip", "@" + handle));
  renderTip(person);
  const newDm = $("#new-dm");
  const prompt = el("option", "", "+ Message someone…");
  prompt.value = "";
  const others = state.world.people.filter((p) => p.id !== state.meId);
  newDm.replaceChildren(prompt, ...others.map((p) => Object.assign(el("option", "", p.real_name), { value: p.name })));
}

function seenKey(channel) {
  return `${state.meId}:${channel}`;
}

function isUnread(conv) {
  if (!conv.latest || conv.id === state.channel) return false;
  const seen = state.seen.get(seenKey(conv.id)) ?? state.bootTs ?? "0";
  return conv.latest > seen;
}

function renderSidebar() {
  const convs = state.snapshot.conversations;
  const current = convs.find((c) => c.id === state.channel);
  if (current && current.latest) state.seen.set(seenKey(current.id), current.latest);
  const channels = convs.filter((c) => c.kind === "channel").sort((a, b) => a.name.localeCompare(b.name));
  const direct = convs.filter((c) => c.kind !== "channel");
  const botDm = direct.find((c) => c.kind === "im" && c.others.includes(state.world.bot.id));
  const others = direct
    .filter((c) => c !== botDm)
    .sort((a, b) => conversationLabel(a).localeCompare(conversationLabel(b)));

  const list = $("#channels");
  list.replaceChildren(...channels.map((c) => sidebarItem(c, "#", c.name)));
  const dms = $("#dms");
  const items = [];
  const appItem = botDm
    ? sidebarItem(botDm, "", state.world.bot.real_name, true)
    : sidebarButton("", state.world.bot.real_name, () => openDmWith(state.world.bot.name), false, true);
  items.push(appItem);
  for (const conv of others) items.push(sidebarItem(conv, "", conversationLabel(conv)));
  dms.replaceChildren(...items);
}

function sidebarButton(prefix, label, onClick, active, app = false, unread = false) {
  const li = el("li");
  const item = button("conv" + (active ? " active" : "") + (unread ? " unread" : ""), "", onClick);
  if (prefix) item.appendChild(el("span", "conv-prefix", prefix));
  item.appendChild(el("span", "conv-name", label));
  if (app) item.appendChild(el("span", "app-badge", "APP"));
  if (unread) item.appendChild(el("span", "unread-dot", "●"));
  if (active) item.setAttribute("aria-current", "page");
  li.appendChild(item);
  return li;
}

function sidebarItem(conv, prefix, label, app = false) {
  const item = sidebarButton(prefix, label, () => openConversation(conv.id), conv.id === state.channel, app, isUnread(conv));
  item.firstChild.dataset.conversation = conv.id;
  return item;
}

async function openDmWith(name) {
  try {
    const { channel } = await api("POST", "/api/dms", { as: state.me, with: name });
    await openConversation(channel);
  } catch (error) {
    toast(`Could not open the conversation: ${error.message}`);
  }
}

function isAppDm(conv) {
  return Boolean(conv) && conv.kind === "im" && conv.others.includes(state.world.bot.id);
}

function showingHome() {
  return state.appTab === "home" && state.world.home_tab && isAppDm(currentConversation());
}

async function selectAppTab(tab) {
  state.appTab = tab;
  renderSlack();
  if (tab !== "home") return;
  try {
    await api("POST", "/api/home", { as: state.me }); // the app hears app_home_opened and publishes its view
  } catch (error) {
    toast(`Could not open the app's Home: ${error.message}`);
  }
}

// The App Home tab (when the app's manifest enables it): the view the app published for this person.
function renderHome() {
  const home = $("#home");
  const tabs = $("#app-tabs");
  const onHome = showingHome();
  tabs.hidden = !(state.world.home_tab && isAppDm(currentConversation()));
  $("#app-tab-home").setAttribute("aria-selected", String(onHome));
  $("#app-tab-messages").setAttribute("aria-selected", String(!onHome));
  home.hidden = !onHome;
  $("#messages-scroller").hidden = onHome;
  $("#composer").hidden = onHome;
  if (!onHome) return;
  const view = state.snapshot.home;
  const key = view ? `${view.id}:${view.hash}` : "none";
  if (home.dataset.key === key) return;
  home.dataset.key = key;
  if (!view) {
    home.replaceChildren(el("div", "empty", `${state.world.bot.real_name} has not published a Home for you yet.`));
    return;
  }
  home.replaceChildren(
    renderBlocks(view.blocks, {
      text: textCtx(),
      people: state.world.people,
      channels: state.world.channels,
      openUrl: openInPage,
      act: (action) => {
        const verb = action.kind === "click" ? "click" : "select";
        const payload = { action_id: action.action_id, block_id: action.block_id };
        if (action.value !== undefined) payload.value = action.value;
        return interact(`/api/views/${encodeURIComponent(view.id)}/${verb}`, payload);
      },
    }),
  );
}

function currentConversation() {
  return state.snapshot && state.snapshot.conversations.find((c) => c.id === state.channel);
}

function renderHeader() {
  const conv = currentConversation();
  const header = $("#channel-header");
  header.replaceChildren();
  if (!conv) {
    header.appendChild(el("h1", "", "Pick a conversation"));
    return;
  }
  header.appendChild(el("h1", "", conversationLabel(conv)));
  if (conv.kind === "channel") {
    header.appendChild(el("span", "header-topic", conv.topic));
    header.appendChild(el("span", "header-members", `${conv.members} members` + (conv.bot_member ? " · Followthrough is here" : " · Followthrough is not in this channel")));
  } else if (conv.others.length === 1) {
    const other = conv.others[0];
    const person = state.people.get(other);
    header.appendChild(el("span", "header-topic", person ? person.title : "App · turns requests in threads into approved changes"));
  }
  const composer = $("#composer textarea");
  composer.placeholder = `Message ${conversationLabel(conv)}`;
}

function isNearEnd(scroller) {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
}

function renderChannel() {
  const channel = state.snapshot.channel;
  const scroller = $("#messages-scroller");
  const stick = state.scrollToEnd || isNearEnd(scroller);
  const messages = channel ? [...channel.messages, ...channel.ephemerals].sort((a, b) => (a.ts < b.ts ? -1 : 1)) : [];
  renderList($("#messages"), messages, state.caches.channel, { inThread: false });
  $("#empty-channel").hidden = messages.length > 0;
  if (stick) scroller.scrollTop = scroller.scrollHeight;
  state.scrollToEnd = false;
}

function renderThread() {
  const pane = $("#thread-pane");
  const thread = state.snapshot && state.snapshot.thread;
  if (!state.thread || !thread) {
    pane.hidden = true;
    document.body.classList.remove("thread-open");
    return;
  }
  pane.hidden = false;
  document.body.classList.add("thread-open");
  const conv = currentConversation();
  $("#thread-where").textContent = conv ? conversationLabel(conv) : "";
  $("#thread-error").hidden = !thread.error;
  $("#thread-error").textContent = thread.error ? `This thread is not available: ${thread.error}` : "";
  const [parent, ...replies] = thread.messages;
  const scroller = $("#thread-scroller");
  const stick = state.scrollThreadToEnd || isNearEnd(scroller);
  renderList($("#thread-parent"), parent ? [parent] : [], state.caches.parent, { inThread: true });
  const all = [...replies, ...thread.ephemerals].sort((a, b) => (a.ts < b.ts ? -1 : 1));
  $("#thread-count").textContent = replies.length === 1 ? "1 reply" : `${replies.length} replies`;
  renderList($("#thread-replies"), all, state.caches.replies, { inThread: true });
  if (stick) scroller.scrollTop = scroller.scrollHeight;
  state.scrollThreadToEnd = false;
}

// Keyed rendering: a message is redrawn only when its stored content changed, so a select or an error line
// under a button survives updates of other messages.
function renderList(container, messages, cache, options) {
  const wanted = new Set();
  let previous = null;
  for (const message of messages) {
    const key = (message.ephemeral ? "e" : "m") + message.ts;
    wanted.add(key);
    const fingerprint = JSON.stringify(message);
    let entry = cache.get(key);
    if (!entry || entry.fingerprint !== fingerprint) {
      const node = messageNode(message, options);
      if (entry) entry.node.replaceWith(node);
      entry = { fingerprint, node };
      cache.set(key, entry);
    }
    const expected = previous ? previous.nextSibling : container.firstChild;
    if (entry.node !== expected) container.insertBefore(entry.node, expected);
    previous = entry.node;
  }
  for (const [key, entry] of cache) {
    if (!wanted.has(key)) {
      entry.node.remove();
      cache.delete(key);
    }
  }
}

function messageNode(message, { inThread }) {
  const node = el("div", "msg");
  node.dataset.testid = "message";
  node.dataset.ts = message.ts;
  const author = message.user;
  const isBot = Boolean(message.bot_id) || author === state.world.bot.id;
  if (message.ephemeral) node.classList.add("ephemeral");
  if (isBot) node.classList.add("from-app");
  node.appendChild(avatar(author));

  const body = el("div", "msg-body");
  const meta = el("div", "msg-meta");
  meta.appendChild(el("span", "msg-author", userName(author)));
  if (isBot) meta.appendChild(el("span", "app-badge", "APP"));
  const time = el("time", "msg-time", clock(message.ts));
  time.dateTime = tsDate(message.ts).toISOString();
  time.title = tsDate(message.ts).toLocaleString();
  meta.appendChild(time);
  if (message.edited) meta.appendChild(el("span", "msg-edited", "(edited)"));
  if (message.ephemeral) meta.appendChild(el("span", "msg-only-you", "Only visible to you"));
  if (message.subtype === "thread_broadcast" && !inThread) meta.appendChild(el("span", "msg-edited", "replied to a thread"));
  body.appendChild(meta);

  const content = el("div", "msg-content");
  if (message.subtype === "tombstone") {
    content.appendChild(el("div", "msg-deleted", "This message was deleted."));
  } else if (Array.isArray(message.blocks) && message.blocks.length) {
    content.appendChild(renderBlocks(message.blocks, messageCtx(message)));
  } else {
    const text = el("div", "mrkdwn");
    text.appendChild(renderMrkdwn(message.text || "", textCtx()));
    content.appendChild(text);
  }
  for (const part of ["attachments", "files"]) {
    if (Array.isArray(message[part]) && message[part].length) content.appendChild(unsupported("block", part));
  }
  body.appendChild(content);

  if (Array.isArray(message.reactions) && message.reactions.length) body.appendChild(reactionsRow(message));
  if (!inThread && message.reply_count) {
    const summary = button("thread-summary", "", () => openThread(message.ts));
    summary.appendChild(el("span", "thread-count", message.reply_count === 1 ? "1 reply" : `${message.reply_count} replies`));
    if (message.latest_reply) summary.appendChild(el("span", "thread-last", `Last reply ${clock(message.latest_reply)}`));
    body.appendChild(summary);
  }
  const problems = el("div", "msg-problems");
  body.appendChild(problems);
  node.appendChild(body);

  if (!message.ephemeral && message.subtype !== "tombstone") node.appendChild(messageToolbar(message, { inThread }, problems));
  return node;
}

function messageCtx(message) {
  return {
    text: textCtx(),
    openUrl: openInPage,
    people: state.world.people,
    channels: state.world.channels,
    act: (action) => {
      const body = { channel: message.channel, ts: message.ts, action_id: action.action_id, block_id: action.block_id };
      if (action.kind === "click") {
        if (action.value !== undefined) body.value = action.value;
        return interact("/api/click", body);
      }
      return interact("/api/select", { ...body, value: action.value });
    },
  };
}

function reactionsRow(message) {
  const row = el("div", "reactions");
  for (const reaction of message.reactions) {
    const mine = reaction.users.includes(state.meId);
    const chip = button("reaction" + (mine ? " mine" : ""), "", () => react(message, reaction.name, mine));
    chip.title = reaction.users.map(userName).join(", ") + ` reacted with :${reaction.name}:`;
    chip.appendChild(el("span", "emoji", emojiFor(reaction.name) || `:${reaction.name}:`));
    chip.appendChild(el("span", "reaction-count", String(reaction.count)));
    row.appendChild(chip);
  }
  return row;
}

async function react(message, name, remove) {
  try {
    await api("POST", "/api/reactions", { as: state.me, channel: message.channel, ts: message.ts, name, remove });
  } catch (error) {
    toast(`Could not react: ${error.message}`);
  }
}

function messageToolbar(message, { inThread }, problems) {
  const bar = el("div", "msg-toolbar");
  const picker = el("div", "menu reaction-menu");
  picker.hidden = true;
  for (const name of QUICK_REACTIONS) {
    picker.appendChild(button("menu-emoji", emojiFor(name), () => {
      closeMenus();
      const mine = (message.reactions || []).some((r) => r.name === name && r.users.includes(state.meId));
      react(message, name, mine);
    }, `:${name}:`));
  }
  bar.appendChild(button("tool", "☺", () => toggleMenu(picker), "Add reaction"));
  bar.appendChild(picker);
  if (!inThread) bar.appendChild(button("tool", "💬", () => openThread(message.ts), "Reply in thread"));
  const shortcuts = state.world.shortcuts.filter((s) => s.type === "message");
  if (shortcuts.length) {
    const menu = el("div", "menu shortcut-menu");
    menu.hidden = true;
    menu.appendChild(el("div", "menu-title", "Shortcuts"));
    for (const shortcut of shortcuts) {
      const item = button("menu-item", "", () => {
        closeMenus();
        runShortcut(message, shortcut, problems);
      });
      item.appendChild(el("span", "menu-item-name", shortcut.name));
      item.appendChild(el("span", "menu-item-detail", `${state.world.bot.real_name} · ${shortcut.description}`));
      menu.appendChild(item);
    }
    bar.appendChild(button("tool", "⋮", () => toggleMenu(menu), "More actions"));
    bar.appendChild(menu);
  }
  return bar;
}

function toggleMenu(menu) {
  const opening = menu.hidden;
  closeMenus();
  menu.hidden = !opening;
  const message = menu.closest(".msg");
  if (message) message.classList.toggle("menu-open", opening);
}

function closeMenus() {
  for (const open of document.querySelectorAll(".menu:not([hidden]), .bk-menu:not([hidden])")) open.hidden = true;
  for (const message of document.querySelectorAll(".msg.menu-open")) message.classList.remove("menu-open");
}

async function runShortcut(message, shortcut, problems) {
  problems.replaceChildren(el("div", "msg-pending", `Running “${shortcut.name}”…`));
  try {
    await interact("/api/shortcuts", { channel: message.channel, ts: message.ts, callback_id: shortcut.callback_id });
    problems.replaceChildren();
  } catch (error) {
    const line = el("div", "bk-action-error", error.message);
    line.setAttribute("role", "alert");
    problems.replaceChildren(line);
  }
}

// ------------------------------------------------------------------ composing

function setupComposer(form, { thread }) {
  const textarea = $("textarea", form);
  const error = $(".composer-error", form);
  const send = $("button[type=submit]", form);
  const suggest = el("ul", "suggestions");
  suggest.hidden = true;
  suggest.setAttribute("role", "listbox");
  form.appendChild(suggest);
  let choices = [];
  let active = 0;

  const closeSuggestions = () => {
    suggest.hidden = true;
    choices = [];
  };
  const apply = (choice) => {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const after = textarea.value.slice(textarea.selectionStart);
    const start = before.length - choice.typed.length;
    textarea.value = before.slice(0, start) + choice.insert + after;
    const caret = start + choice.insert.length;
    textarea.setSelectionRange(caret, caret);
    closeSuggestions();
    textarea.focus();
  };
  const showSuggestions = () => {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const command = /^\/([\w-]*)$/.exec(before);
    const mention = /(?:^|\s)@([\w.-]*)$/.exec(before);
    if (command) {
      choices = state.world.commands
        .filter((c) => c.command.slice(1).startsWith(command[1]))
        .map((c) => ({ typed: before, insert: c.command + " ", label: c.command, detail: `${c.usage_hint} · ${c.description}` }));
    } else if (mention) {
      const word = mention[1].toLowerCase();
      const people = [
        { name: state.world.bot.name, label: state.world.bot.real_name, detail: "App" },
        ...state.world.people.map((p) => ({ name: p.name, label: p.real_name, detail: p.title })),
        ...state.world.usergroups.map((g) => ({ name: g.handle, label: "@" + g.handle, detail: g.name })),
      ];
      choices = people
        .filter((p) => p.name.toLowerCase().startsWith(word) || p.label.toLowerCase().split(/\s+/).some((w) => w.startsWith(word)))
        .slice(0, 8)
        .map((p) => ({ typed: "@" + mention[1], insert: "@" + p.name + " ", label: p.label, detail: `@${p.name} · ${p.detail}` }));
    } else {
      choices = [];
    }
    if (!choices.length) {
      closeSuggestions();
      return;
    }
    active = 0;
    suggest.replaceChildren(
      ...choices.map((choice, index) => {
        const li = el("li", index === active ? "active" : "");
        li.setAttribute("role", "option");
        li.appendChild(el("span", "suggestion-label", choice.label));
        li.appendChild(el("span", "suggestion-detail", choice.detail));
        li.addEventListener("mousedown", (event) => {
          event.preventDefault();
          apply(choice);
        });
        return li;
      }),
    );
    suggest.hidden = false;
  };
  const highlight = () => [...suggest.children].forEach((li, i) => li.classList.toggle("active", i === active));

  textarea.addEventListener("input", () => {
    error.textContent = "";
    showSuggestions();
  });
  textarea.addEventListener("blur", () => setTimeout(closeSuggestions, 100));
  textarea.addEventListener("keydown", (event) => {
    if (!suggest.hidden && choices.length) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        active = (active + (event.key === "ArrowDown" ? 1 : choices.length - 1)) % choices.length;
        highlight();
        return;
      }
      if (event.key === "Tab" || (event.key === "Enter" && !event.shiftKey)) {
        event.preventDefault();
        apply(choices[active]);
        return;
      }
      if (event.key === "Escape") {
        closeSuggestions();
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = textarea.value.trim();
    if (!text || send.disabled) return;
    error.textContent = "";
    send.disabled = true;
    try {
      if (text.startsWith("/")) {
        const command = /^\/\S+/.exec(text)[0];
        if (!state.world.commands.some((c) => c.command === command)) {
          throw new Error(`${command} is not a valid command. In Slack, messages that start with "/" are commands.`);
        }
        await interact("/api/commands", { channel: state.channel, command, text: text.slice(command.length).trim() });
      } else {
        const body = { as: state.me, channel: state.channel, text };
        if (thread) body.thread_ts = state.thread;
        await api("POST", "/api/messages", body);
      }
      textarea.value = "";
      if (thread) state.scrollThreadToEnd = true;
      else state.scrollToEnd = true;
    } catch (problem) {
      error.textContent = problem.message;
    } finally {
      send.disabled = false;
      textarea.focus();
    }
  });
}

// ------------------------------------------------------------------ modals (views.open for the current person)

function closeModalOverlay() {
  if (state.modal.node) state.modal.node.remove();
  state.modal = { key: null, node: null, inputs: [] };
}

function renderModal() {
  const stack = state.snapshot.views || [];
  const view = stack[stack.length - 1];
  if (!view) {
    closeModalOverlay();
    return;
  }
  const key = `${view.id}:${view.hash}`;
  if (key === state.modal.key) return; // same content: keep what the person typed
  closeModalOverlay();
  const inputs = [];
  const overlay = el("div", "overlay modal-overlay");
  const dialog = el("div", "modal");
  dialog.dataset.testid = "modal";
  dialog.dataset.viewId = view.id;
  dialog.setAttribute("role", "dialog");
  dialog.setAttribute("aria-modal", "true");
  const head = el("div", "modal-head");
  const title = el("h2", "modal-title", plainText(view.title) || "Followthrough");
  dialog.setAttribute("aria-label", title.textContent);
  head.appendChild(title);
  head.appendChild(button("modal-x", "✕", () => closeView(view, footerError), "Close"));
  const body = el("div", "modal-body");
  const ctx = {
    text: textCtx(),
    openUrl: openInPage,
    people: state.world.people,
    channels: state.world.channels,
    inputs,
    errors: {},
    act: (action) => {
      const verb = action.kind === "click" ? "click" : "select";
      const payload = { action_id: action.action_id, block_id: action.block_id };
      if (action.value !== undefined) payload.value = action.value;
      return interact(`/api/views/${encodeURIComponent(view.id)}/${verb}`, payload);
    },
  };
  body.appendChild(renderBlocks(view.blocks, ctx));
  const foot = el("div", "modal-foot");
  const footerError = el("div", "modal-error");
  footerError.setAttribute("role", "alert");
  foot.appendChild(footerError);
  foot.appendChild(button("bk-button", plainText(view.close) || "Cancel", () => closeView(view, footerError)));
  if (view.submit) {
    const submit = button("bk-button bk-primary", plainText(view.submit), () => submitView(view, inputs, dialog, submit, footerError));
    foot.appendChild(submit);
  }
  dialog.append(head, body, foot);
  overlay.appendChild(dialog);
  document.body.appendChild(overlay);
  overlay.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !document.querySelector(".bk-confirm-overlay")) closeView(view, footerError);
  });
  state.modal = { key, node: overlay, inputs };
  const first = dialog.querySelector("[autofocus], input, textarea, select, .bk-select-trigger");
  if (first) first.focus();
}

function showFieldErrors(dialog, errors) {
  for (const old of dialog.querySelectorAll(".bk-field-error")) old.remove();
  for (const marked of dialog.querySelectorAll(".has-error")) marked.classList.remove("has-error");
  for (const [blockId, text] of Object.entries(errors || {})) {
    const block = dialog.querySelector(`.bk-block[data-block-id="${CSS.escape(blockId)}"] .bk-input`);
    if (!block) continue;
    const line = el("div", "bk-field-error", text);
    line.setAttribute("role", "alert");
    block.classList.add("has-error");
    block.appendChild(line);
  }
}

async function submitView(view, inputs, dialog, submit, footerError) {
  const values = {};
  for (const input of inputs) {
    const value = input.read();
    if (value !== null) (values[input.block_id] ||= {})[input.action_id] = value;
  }
  footerError.textContent = "";
  submit.disabled = true;
  try {
    const result = await interact(`/api/views/${encodeURIComponent(view.id)}/submit`, { values });
    if (result.errors && Object.keys(result.errors).length) {
      showFieldErrors(dialog, result.errors);
    } else if (!result.view) {
      closeModalOverlay();
    }
  } catch (error) {
    footerError.textContent = error.message;
  } finally {
    submit.disabled = false;
  }
}

async function closeView(view, footerError) {
  try {
    await interact(`/api/views/${encodeURIComponent(view.id)}/close`, {});
    closeModalOverlay();
  } catch (error) {
    footerError.textContent = error.message;
  }
}

// ------------------------------------------------------------------ records: Jira and Salesforce

// Remember which rows are new or changed since the last read, for a while, so the eye finds what the bot did.
function markChanges(marks, previous, rows, key, fingerprint) {
  const now = Date.now();
  if (previous) {
    for (const row of rows) {
      const before = previous.get(row[key]);
      if (before === undefined) marks.set(row[key], { kind: "new", until: now + MARK_MS });
      else if (before !== fingerprint(row)) marks.set(row[key], { kind: "changed", until: now + MARK_MS });
    }
  }
  for (const [id, mark] of marks) if (mark.until < now) marks.delete(id);
  return new Map(rows.map((row) => [row[key], fingerprint(row)]));
}

function markRow(node, marks, id) {
  const mark = marks.get(id);
  if (!mark) return;
  node.classList.add(mark.kind === "new" ? "is-new" : "is-changed");
  node.appendChild(el("span", "mark-tag", mark.kind === "new" ? "new" : "updated"));
  setTimeout(() => {
    node.classList.remove("is-new", "is-changed");
    const tag = node.querySelector(".mark-tag");
    if (tag) tag.remove();
  }, Math.max(mark.until - Date.now(), 0));
}


// People work in Jira and Salesforce too: a "Move to" menu on each record changes it as the person you act as would
// in those systems (the app only learns of it when it reads them: a follow-up met, say).
function moveMenu(label, current, choices, onPick) {
  const select = el("select", "move");
  select.setAttribute("aria-label", label);
  select.title = label;
  const prompt = el("option", "", current === null ? "Move to…" : current);
  prompt.value = "";
  prompt.selected = true;
  select.appendChild(prompt);
  for (const choice of choices) {
    if (choice === current) continue;
    const option = el("option", "", choice);
    option.value = choice;
    select.appendChild(option);
  }
  select.disabled = !select.querySelector("option[value]:not([value=''])");
  select.addEventListener("change", async () => {
    const picked = select.value;
    if (!picked) return;
    select.disabled = true;
    try {
      await onPick(picked);
    } catch (error) {
      toast(error.message);
      select.value = "";
      select.disabled = false;
    }
  });
  return select;
}

function moveIssue(key, status) {
  return api("POST", "/api/jira/transition", { as: state.me, key, status });
}

function editRecord(object, id, fields) {
  return api("POST", "/api/salesforce/update", { as: state.me, object, id, fields });
}

function renderJira() {
  const jira = state.jira;
  const fingerprint = (row) => JSON.stringify([row.summary, row.status, row.assignee, row.priority, row.labels, row.comments]);
  const changedSomething = jira.loaded;
  jira.previous = markChanges(jira.marks, jira.previous, jira.rows, "key", fingerprint);
  jira.loaded = true;
  const list = $("#jira-list");
  list.replaceChildren(
    ...jira.rows.map((row) => {
      const card = el("article", "issue");
      card.dataset.testid = "jira-issue";
      card.dataset.key = row.key;
      const top = el("div", "issue-top");
      top.appendChild(el("span", `issue-type issue-type-${row.type.toLowerCase()}`, row.type));
      top.appendChild(el("span", "issue-key", row.key));
      top.appendChild(el("span", `status status-${row.status_category || "new"}`, row.status));
      card.appendChild(top);
      card.appendChild(el("div", "issue-summary", row.summary));
      const meta = el("div", "issue-meta");
      meta.appendChild(el("span", `priority priority-${row.priority.toLowerCase()}`, row.priority));
      meta.appendChild(el("span", "assignee", row.assignee || "Unassigned"));
      meta.appendChild(el("span", "", row.comments === 1 ? "1 comment" : `${row.comments} comments`));
      if (row.duedate) meta.appendChild(el("span", "", `due ${row.duedate}`));
      const moves = row.moves || [];
      if (moves.length) {
        meta.appendChild(moveMenu(`Move ${row.key} to another status`, null, moves, (status) => moveIssue(row.key, status)));
      }
      card.appendChild(meta);
      if (row.labels.length) {
        const labels = el("div", "labels");
        for (const label of row.labels) labels.appendChild(el("span", "chip", label));
        card.appendChild(labels);
      }
      markRow(card, jira.marks, row.key);
      return card;
    }),
  );
  $("#jira-count").textContent = String(jira.rows.length);
  if (changedSomething && state.recordsTab !== "jira" && jira.marks.size) $("#tab-jira").classList.add("has-news");
}

function showIssue(key) {
  selectTab("jira");
  const card = document.querySelector(`#jira-list [data-key="${CSS.escape(key)}"]`);
  if (!card) {
    toast(`${key} is not in the Jira sandbox (yet).`, "info");
    return;
  }
  card.scrollIntoView({ block: "center", behavior: "smooth" });
  card.classList.remove("flash");
  void card.offsetWidth; // restart the animation
  card.classList.add("flash");
}

const MONEY = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });

function renderSalesforce() {
  const sf = state.salesforce;
  const { opportunities, tasks } = sf.data;
  const rows = [...opportunities.map((o) => ({ ...o, key: o.id })), ...tasks.map((t) => ({ ...t, key: t.id }))];
  const changedSomething = sf.loaded;
  sf.previous = markChanges(sf.marks, sf.previous, rows, "key", (row) => JSON.stringify({ ...row, modified: undefined }));
  sf.loaded = true;

  const table = $("#opportunities");
  table.replaceChildren(
    ...opportunities.map((o) => {
      const row = el("article", "record");
      row.dataset.testid = "opportunity";
      const top = el("div", "record-top");
      top.appendChild(el("span", "record-name", o.name));
      top.appendChild(el("span", "record-amount", o.amount === null || o.amount === undefined ? "—" : MONEY.format(o.amount)));
      row.appendChild(top);
      const meta = el("div", "record-meta");
      const stage = moveMenu(`Stage of ${o.name}`, o.stage, sf.data.stages || [], (value) =>
        editRecord("Opportunity", o.id, { StageName: value }),
      );
      stage.classList.add("stage");
      stage.dataset.testid = "stage";
      meta.appendChild(stage);
      meta.appendChild(el("span", "", o.account || "no account"));
      meta.appendChild(el("span", "", `closes ${o.close_date || "—"}`));
      meta.appendChild(el("span", "assignee", o.owner));
      if (o.modified_by) meta.appendChild(el("span", "", `changed by ${o.modified_by}`));
      row.appendChild(meta);
      markRow(row, sf.marks, o.id);
      return row;
    }),
  );
  const list = $("#tasks");
  list.replaceChildren(
    ...tasks.map((t) => {
      const row = el("article", "record");
      row.dataset.testid = "task";
      const top = el("div", "record-top");
      top.appendChild(el("span", "record-name", t.subject));
      top.appendChild(el("span", `status ${t.status === "Completed" ? "status-done" : "status-new"}`, t.status));
      row.appendChild(top);
      const meta = el("div", "record-meta");
      meta.appendChild(
        moveMenu(`Status of the task ${t.subject}`, null, sf.data.task_statuses || [], (value) =>
          editRecord("Task", t.id, { Status: value }),
        ),
      );
      meta.appendChild(el("span", "assignee", t.owner));
      meta.appendChild(el("span", "", `due ${t.due || "—"}`));
      if (t.related_to) meta.appendChild(el("span", "", `re: ${t.related_to}`));
      if (t.modified_by) meta.appendChild(el("span", "", `changed by ${t.modified_by}`));
      row.appendChild(meta);
      markRow(row, sf.marks, t.id);
      return row;
    }),
  );
  $("#sf-count").textContent = String(opportunities.length + tasks.length);
  if (changedSomething && state.recordsTab !== "salesforce" && sf.marks.size) $("#tab-salesforce").classList.add("has-news");
}

function selectTab(name) {
  state.recordsTab = name;
  for (const tab of ["jira", "salesforce"]) {
    const active = tab === name;
    $(`#tab-${tab}`).setAttribute("aria-selected", String(active));
    $(`#tab-${tab}`).classList.toggle("active", active);
    if (active) $(`#tab-${tab}`).classList.remove("has-news");
    $(`#panel-${tab}`).hidden = !active;
  }
  document.body.classList.remove("records-hidden");
}

// ------------------------------------------------------------------ start

async function boot() {
  try {
    state.world = await api("GET", "/api/world");
  } catch (error) {
    $("#boot-error").textContent = `The page cannot reach the sandbox: ${error.message}`;
    $("#boot-error").hidden = false;
    return;
  }
  for (const person of state.world.people) state.people.set(person.id, person);
  document.title = `${state.world.team.name} · Followthrough sandbox`;
  $("#team-name").textContent = state.world.team.name;

  const me = $("#me");
  for (const person of state.world.people) {
    const option = el("option", "", `${person.real_name} · ${person.title}`);
    option.value = person.name;
    me.appendChild(option);
  }
  me.addEventListener("change", () => switchPerson(me.value));
  $("#new-dm").addEventListener("change", (event) => {
    const name = event.target.value;
    event.target.value = "";
    if (name) openDmWith(name);
  });
  setupComposer($("#composer"), { thread: false });
  setupComposer($("#thread-composer"), { thread: true });
  $("#thread-close").addEventListener("click", closeThread);
  $("#app-tab-home").addEventListener("click", () => selectAppTab("home"));
  $("#app-tab-messages").addEventListener("click", () => selectAppTab("messages"));
  $("#tab-jira").addEventListener("click", () => selectTab("jira"));
  $("#tab-salesforce").addEventListener("click", () => selectTab("salesforce"));
  $("#records-toggle").addEventListener("click", () => {
    // On a narrow window the thread and the records share a column: showing the records closes the thread.
    if (state.thread && window.matchMedia("(max-width: 1180px)").matches) {
      closeThread();
      document.body.classList.remove("records-hidden");
      return;
    }
    document.body.classList.toggle("records-hidden");
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest(".menu, .tool, .bk-overflow")) closeMenus();
  });
  setupTips();

  const wanted = readLocation();
  state.channel = wanted.channel;
  state.thread = wanted.thread;
  const start = state.world.people.find((p) => p.name === wanted.as) ? wanted.as : "dana";
  await switchPerson(start);
  await Promise.allSettled([refreshJira(), refreshSalesforce()]);
  follow();
}

// ------------------------------------------------------------------ the "Try this" tip, for whoever you are

// The demo's two stories (sandbox/demo.py seeds Dana's thread in #support). Who asks and who approves follows the
// seed's user groups, as the Northwind policy (policies/northwind.yml) uses them.
const STORY_REQUESTER = "dana";
const JIRA_REQUEST = "@followthrough create a bug in PAY: Checkout fails on Safari, assign to Alice, priority high";
const SALES_REQUEST = "@followthrough move the Acme renewal to Negotiation and set the amount to 120k";

function firstNamesIn(handle) {
  return state.world.people.filter((p) => p.groups.includes(handle)).map((p) => p.real_name.split(" ")[0]);
}

function joined(names, word) {
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} ${word} ${names[names.length - 1]}` : names[0] || "";
}

// What to try next as `person` (after "Try this: "): strings and {code | em | strong: text} parts.
function tipFor(person) {
  const groups = new Set(person.groups);
  const leads = firstNamesIn("eng-leads");
  const managers = firstNamesIn("sales-managers");
  const approve = { strong: "Approve" };
  const pending = { code: "/followthrough pending" };
  const jiraApproval = [
    ". Then pick ", { em: leads[0] || "an engineering lead" }, " under “You are” and click ", approve,
    " on the card, in the thread or in their DM with Followthrough: the new issue appears in the Jira records on the right.",
  ];
  if (groups.has("eng-leads")) {
    return [
      "open your DM with Followthrough (under Direct messages): as one of @eng-leads you approve Jira requests, and",
      " each one waiting for you is there and in its thread. Click ", approve, " (or ", { strong: "Reject" },
      ") on the card. ", pending, " lists what waits for you; nothing yet? Someone in support or engineering asks",
      " first: pick them under “You are”.",
    ];
  }
  if (groups.has("sales-managers")) {
    return [
      "open your DM with Followthrough (under Direct messages): as one of @sales-managers you approve changes to",
      " deals, and each one waiting for you is there. Click ", approve,
      `; over 100k it takes two managers (${joined(managers, "and")}). `, pending,
      " lists what waits for you; nothing yet? Someone in sales asks first, in #sales.",
    ];
  }
  if (person.name === STORY_REQUESTER) {
    return [
      "reply in your thread in #support (hover your message and click 💬 to open it; no thread yet? start one): ",
      { code: JIRA_REQUEST }, ...jiraApproval,
    ];
  }
  if (groups.has("support") || groups.has("eng")) {
    return [
      "in #support, start a thread, or reply in one (hover a message and click 💬), and ask: ",
      { code: JIRA_REQUEST }, ...jiraApproval,
    ];
  }
  if (groups.has("sales")) {
    return [
      "in #sales, write ", { code: SALES_REQUEST }, ". Pick the renewal in the card's list, then pick ",
      { em: joined(managers, "and then") || "a sales manager" }, " under “You are” and click ", approve,
      " in their DM with Followthrough: the opportunity changes in the Salesforce records. Then try ",
      { strong: "Undo" }, " on the result.",
    ];
  }
  if (groups.has("admins")) {
    return [
      "write ", pending, " in a channel: as a Followthrough admin you see every request that waits (",
      { code: "/followthrough stats" }, " counts them), and your DM with Followthrough tells you when a change",
      " fails. To follow a request from the start, pick someone in support or sales under “You are”.",
    ];
  }
  return [
    "pick someone in support or sales under “You are” and ask @followthrough in a thread: Followthrough acts on",
    " requests made in threads.",
  ];
}

function renderTip(person) {
  const text = $("#tips-text");
  text.replaceChildren(el("strong", "", "Try this: "));
  for (const part of tipFor(person)) {
    if (typeof part === "string") text.appendChild(document.createTextNode(part));
    else if (part.code) text.appendChild(el("code", "", part.code));
    else if (part.em) text.appendChild(el("em", "", part.em));
    else if (part.strong) text.appendChild(el("strong", "", part.strong));
  }
}

function setupTips() {
  const tips = $("#tips");
  if (localStorage.getItem("ft-tips-dismissed") === "1") tips.hidden = true;
  $("#tips-close").addEventListener("click", () => {
    tips.hidden = true;
    localStorage.setItem("ft-tips-dismissed", "1");
  });
}

window.addEventListener("error", (event) => toast(`Page error: ${event.message}`));
window.addEventListener("unhandledrejection", (event) => toast(`Page error: ${event.reason && event.reason.message ? event.reason.message : event.reason}`));

boot();
