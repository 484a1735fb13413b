// The sandbox page: shows what the sandbox Slack holds, and sends what a person does to it.
// Messages arrive as HTML drawn by bot/sandbox/blockkit.py; a button carries its action in data-action.
"use strict";

const $ = (id) => document.getElementById(id);
const view = { user: "", channel: "C0INCIDENT", tab: "messages", version: -1 };
let poll = null;

async function act(name, body) {
  const response = await fetch(`/sandbox/${name}`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: view.user, ...body }),
  });
  const answer = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
  if (!answer.ok) notice(answer.error || "the sandbox refused that");
  return answer;
}

function notice(text) {
  const line = document.createElement("div");
  line.className = "message only-you";
  line.textContent = `Sandbox: ${text}`;
  $("messages").append(line);
}

function isApp() { return view.channel.startsWith("D"); }

async function refresh(after) {
  if (poll) poll.abort();
  const controller = new AbortController();
  poll = controller;
  const query = new URLSearchParams({ user: view.user, channel: view.channel, after: String(after) });
  try {
    const response = await fetch(`/sandbox/state?${query}`, { signal: controller.signal });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    show(await response.json());
  } catch (error) {
    if (controller.signal.aborted) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));  // the sandbox stopped or restarts
  }
  if (poll === controller) refresh(view.version);
}

function show(state) {
  view.version = state.version;
  if (!view.user) view.user = state.people[0].id;
  const me = $("me");
  if (!me.options.length) {
    for (const person of state.people) me.add(new Option(`${person.name} (${person.kind})`, person.id));
  }
  me.value = view.user;
  fillConversations(state.channels);
  const conversation = state.channels.find((c) => c.id === view.channel);
  $("conversation-name").textContent = conversation && conversation.app ? "cancel-downtime" : `#${conversation ? conversation.name : ""}`;
  $("tabs").hidden = !isApp();
  for (const tab of document.querySelectorAll(".tab")) tab.setAttribute("aria-selected", String(tab.dataset.tab === view.tab));
  const onHome = isApp() && view.tab === "home";
  $("home").hidden = !onHome;
  $("messages").hidden = onHome;
  $("composer").hidden = onHome;
  $("home").innerHTML = state.home || "<p>Opening the Home tab…</p>";
  $("messages").replaceChildren(...state.posts.map(message));
  $("text").placeholder = isApp() ? "Message cancel-downtime" : `Message #${conversation ? conversation.name : ""}`;
  const modal = state.modal;
  $("modal-backdrop").hidden = !modal;
  if (modal) {
    $("modal-title").textContent = modal.title;
    $("modal-close").textContent = modal.close;
    $("modal-body").innerHTML = modal.html;
  }
  $("datadog").replaceChildren(...state.datadog.map((r) => {
    const item = document.createElement("li");
    item.className = `status-${String(r.status)[0]}`;
    item.textContent = `${r.method} ${r.path} → ${r.status}`;
    return item;
  }));
  const messages = $("messages");
  messages.scrollTop = messages.scrollHeight;
}

function fillConversations(channels) {
  const item = (c, label) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.setAttribute("aria-current", String(c.id === view.channel));
    button.addEventListener("click", () => open(c.id));
    li.append(button);
    return li;
  };
  $("channels").replaceChildren(...channels.filter((c) => !c.app).map((c) => item(c, `# ${c.name}`)));
  $("apps").replaceChildren(...channels.filter((c) => c.app).map((c) => item(c, c.name)));
}

function message(post) {
  const row = document.createElement("div");
  row.className = "message";
  row.dataset.post = post.id;
  const avatar = document.createElement("div");
  avatar.className = `avatar${post.app ? " app" : ""}${post.author === "Datadog" ? " datadog" : ""}`;
  avatar.textContent = post.author.slice(0, 1).toUpperCase();
  const body = document.createElement("div");
  body.className = "message-body";
  const time = new Date(Number(post.ts.split(".")[0]) * 1000).toISOString().slice(11, 16);
  body.innerHTML = (post.ephemeral ? '<div class="only-you">Only visible to you</div>' : "")
    + `<span class="author"></span>${post.app ? '<span class="badge">APP</span>' : ""}<span class="time">${time} UTC</span>`
    + `<div class="blocks">${post.html}</div>${post.edited ? '<span class="edited">(edited)</span>' : ""}`;
  body.querySelector(".author").textContent = post.author;
  const tools = document.createElement("div");
  tools.className = "message-tools";
  const shortcut = document.createElement("button");
  shortcut.type = "button";
  shortcut.className = "shortcut";
  shortcut.textContent = "⋯ What's muting this?";
  shortcut.addEventListener("click", () => act("shortcut", { post: post.id }));
  tools.append(shortcut);
  row.append(avatar, body, tools);
  return row;
}

function confirmed(confirm) {
  if (!confirm) return Promise.resolve(true);
  const dialog = $("confirm");
  $("confirm-title").textContent = confirm.title;
  $("confirm-text").innerHTML = confirm.text;
  $("confirm-yes").textContent = confirm.confirm;
  $("confirm-yes").className = `bk-button ${confirm.style === "danger" ? "bk-danger-fill" : "bk-primary"}`;
  $("confirm-deny").textContent = confirm.deny;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}

document.addEventListener("click", async (event) => {
  const link = event.target.closest("a[href]");
  if (link && /datadoghq|ddog-gov/.test(new URL(link.href).hostname)) {
    event.preventDefault();  // the sandbox Datadog has no web UI; a real organisation's page is not this one
    notice(`in real use this opens Datadog: ${link.href}`);
    return;
  }
  const button = event.target.closest(".bk-button[data-action]");
  if (!button) return;
  const action = JSON.parse(button.dataset.action);
  if (action.url) { window.open(action.url, "_blank", "noopener"); }
  if (!(await confirmed(action.confirm))) return;
  const surface = button.closest("#modal") ? "modal" : button.closest("#home") ? "home" : "message";
  const row = button.closest("[data-post]");
  button.disabled = true;
  await act("click", { surface, action, post: row ? Number(row.dataset.post) : 0 });
  button.disabled = false;
});

function open(channel) {
  view.channel = channel;
  view.tab = channel.startsWith("D") ? "home" : "messages";
  if (view.tab === "home") act("home", {});
  refresh(-1);
}

$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("text").value.trim();
  if (!text) return;
  $("text").value = "";
  await act("command", { text, channel: view.channel });
});
$("me").addEventListener("change", () => {
  view.user = $("me").value;
  if (isApp()) view.channel = `D${view.user.slice(1)}`;  // each person has their own conversation with the app
  if (isApp() && view.tab === "home") act("home", {});
  refresh(-1);
});
$("reset").addEventListener("click", async () => {
  await act("reset", {});
  if (isApp() && view.tab === "home") act("home", {});  // the Home tab is published again on opening
  refresh(-1);
});
$("modal-close").addEventListener("click", () => act("close", {}));
for (const tab of document.querySelectorAll(".tab")) {
  tab.addEventListener("click", () => {
    view.tab = tab.dataset.tab;
    if (view.tab === "home") act("home", {});
    refresh(-1);
  });
}
refresh(-1);
